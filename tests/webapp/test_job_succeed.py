"""lifecycle.job_succeed: stems are stored one by one, and kept only if the job still runs."""

from pathlib import Path

import pytest

from tests.factories import JobFactory, RunningJobFactory
from tests.stored import stem_files_stored
from webapp.jobs import lifecycle
from webapp.jobs.lifecycle import Claim
from webapp.jobs.models import Job, Status, Stem, StemFile


def stem_data(folder: Path, name: str, formats=("wav", "flac")) -> lifecycle.StemData:
    files = []
    for fmt in formats:
        path = folder / f"{name}.{fmt}.tmp"
        path.write_bytes(f"{name} as {fmt}".encode() * 100)
        files.append(lifecycle.EncodedFile(format=fmt, path=path, sample_rate=48000))
    return lifecycle.StemData(name=name, duration=2.5, sample_rate=48000, files=tuple(files))


def stored_names(job) -> list[str]:
    return stem_files_stored(job.id)


def test_it_stores_every_file_and_makes_a_row_for_each(owner, tmp_path):
    job = RunningJobFactory(owner=owner)
    stems = [stem_data(tmp_path, "vocals"), stem_data(tmp_path, "drums", ("wav", "listen"))]

    assert lifecycle.job_succeed(claim=Claim.of(job), stems=stems) is True

    job.refresh_from_db()
    assert (job.status, job.progress, job.stage) == (Status.SUCCEEDED, 100, "done")
    assert stored_names(job) == ["drums.listen.mp3", "drums.wav", "vocals.flac", "vocals.wav"]
    vocals = job.stems.get(name="vocals")
    assert (vocals.duration, vocals.sample_rate) == (2.5, 48000)
    for row in StemFile.objects.filter(stem__job=job):
        with row.file.open("rb") as f:
            content = f.read()
        assert content == f"{row.stem.name} as {row.format}".encode() * 100
        assert row.size == len(content) and row.sample_rate == 48000


def test_it_stores_each_stem_before_asking_for_the_next(owner, tmp_path):
    job = RunningJobFactory(owner=owner)
    seen_before_second = []

    def one_at_a_time():
        yield stem_data(tmp_path, "vocals")
        seen_before_second.extend(stored_names(job))
        yield stem_data(tmp_path, "drums")

    assert lifecycle.job_succeed(claim=Claim.of(job), stems=one_at_a_time())

    assert seen_before_second == ["vocals.flac", "vocals.wav"]


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.FAILED, Status.SUCCEEDED])
def test_a_job_no_longer_running_keeps_no_stems_or_files(owner, tmp_path, status):
    job = JobFactory(owner=owner, status=status)

    assert (
        lifecycle.job_succeed(claim=Claim.of(job), stems=[stem_data(tmp_path, "vocals")]) is False
    )

    assert job.stems.count() == 0
    assert stored_names(job) == []
    assert Job.objects.get(id=job.id).status == status


def test_a_deleted_job_keeps_no_files(owner, tmp_path):
    job = RunningJobFactory(owner=owner)
    Job.objects.filter(id=job.id).delete()

    assert (
        lifecycle.job_succeed(claim=Claim.of(job), stems=[stem_data(tmp_path, "vocals")]) is False
    )

    assert stored_names(job) == []


def test_an_error_midway_removes_what_was_stored_and_leaves_the_job_running(owner, tmp_path):
    job = RunningJobFactory(owner=owner)

    def broken():
        yield stem_data(tmp_path, "vocals")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        lifecycle.job_succeed(claim=Claim.of(job), stems=broken())

    assert stored_names(job) == []
    assert not Stem.objects.filter(job=job).exists()
    assert Job.objects.get(id=job.id).status == Status.RUNNING
