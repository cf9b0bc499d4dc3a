"""lifecycle.job_succeed stores each stem's waveform peaks next to its copies."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from tests.factories import JobFactory, RunningJobFactory
from webapp.jobs import lifecycle
from webapp.jobs.lifecycle import Claim
from webapp.jobs.models import Status

PEAKS = b'{"version":2,"channels":1,"sample_rate":44100,"samples_per_pixel":2646,"bits":8}'


def stem_data(folder: Path, name: str, *, peaks: bool = True) -> lifecycle.StemData:
    wav = folder / f"{name}.wav.tmp"
    wav.write_bytes(b"wav")
    peaks_path = None
    if peaks:
        peaks_path = folder / f"{name}.peaks.tmp"
        peaks_path.write_bytes(PEAKS + name.encode())
    return lifecycle.StemData(
        name=name,
        duration=1.0,
        sample_rate=44100,
        files=(lifecycle.EncodedFile("wav", wav, 44100),),
        peaks=peaks_path,
    )


def test_it_stores_the_peaks_of_each_stem_and_records_them(owner, tmp_path):
    job = RunningJobFactory(owner=owner)

    assert lifecycle.job_succeed(claim=Claim.of(job), stems=[stem_data(tmp_path, "vocals")])

    stem = job.stems.get()
    assert stem.peaks.name == f"jobs/{job.id}/stems/1/vocals.peaks.json"
    with stem.peaks.open("rb") as f:
        assert f.read() == PEAKS + b"vocals"


def test_a_stem_handed_over_without_peaks_has_none(owner, tmp_path):
    job = RunningJobFactory(owner=owner)

    assert lifecycle.job_succeed(
        claim=Claim.of(job), stems=[stem_data(tmp_path, "vocals", peaks=False)]
    )

    assert job.stems.get().peaks.name == ""


def test_peaks_go_too_when_the_job_is_no_longer_running(owner, tmp_path):
    job = JobFactory(owner=owner, status=Status.CANCELLED)

    assert not lifecycle.job_succeed(claim=Claim.of(job), stems=[stem_data(tmp_path, "vocals")])

    assert not default_storage.exists(f"jobs/{job.id}/stems/1/vocals.peaks.json")


def test_peaks_go_too_when_a_later_stem_fails(owner, tmp_path):
    job = RunningJobFactory(owner=owner)

    def failing():
        yield stem_data(tmp_path, "vocals")
        raise OSError("disk full")

    with pytest.raises(OSError):
        lifecycle.job_succeed(claim=Claim.of(job), stems=failing())

    assert not default_storage.exists(f"jobs/{job.id}/stems/1/vocals.peaks.json")
