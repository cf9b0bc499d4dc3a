"""The separate_job task: claim, separate, store stems, and fail with a reason."""

import io

import numpy as np
import pytest
import soundfile as sf
from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import OperationalError

from separation.errors import ModelLoadingError
from tests.factories import JobFactory, RunningJobFactory, wav_bytes
from tests.stored import stem_files_stored
from tests.workers.fakes import FakeSeparator
from webapp.jobs.models import ErrorClass, Job, Status, Stem
from webapp.jobs.stem_files import STEM_FORMATS
from workers.tasks import INTERNAL_ERROR, separate_job


def run(job) -> str:
    return separate_job.apply(args=[str(job.id)]).get(propagate=True)


def read(stem: Stem, fmt: str = "wav") -> np.ndarray:
    with stem.files.get(format=fmt).file.open("rb") as f:
        data, rate = sf.read(io.BytesIO(f.read()), dtype="float32", always_2d=True)
    assert rate == 44100
    return data.T


def stored_files(job) -> list[str]:
    return stem_files_stored(job.id)


@pytest.fixture
def queued_job(owner):
    return JobFactory(owner=owner, target="all", duration=1.0)


def test_it_separates_a_queued_job_and_stores_stems_that_add_up_to_the_mix(
    queued_job, fake_separator
):
    assert run(queued_job) == "succeeded"

    job = Job.objects.get(id=queued_job.id)
    assert (job.status, job.progress, job.stage, job.error) == ("succeeded", 100, "done", "")
    assert job.started_at and job.finished_at and job.attempts == 1
    stems = {stem.name: stem for stem in job.stems.all()}
    assert set(stems) == {"vocals", "accompaniment"}
    mix = sf.read(io.BytesIO(wav_bytes(1.0)), dtype="float32")[0].T
    total = read(stems["vocals"]) + read(stems["accompaniment"])
    assert total.shape == mix.shape
    assert np.abs(total - mix).max() < 1e-6  # float WAV keeps them exact
    assert all(s.duration == pytest.approx(1.0) and s.sample_rate == 44100 for s in stems.values())
    for stem in stems.values():
        assert sorted(stem.files.values_list("format", flat=True)) == sorted(STEM_FORMATS)
        assert all(row.size == row.file.size > 0 for row in stem.files.all())


def test_a_single_target_gives_the_stem_and_everything_else(owner, fake_separator):
    job = JobFactory(owner=owner, target="vocals")

    run(job)

    assert sorted(job.stems.values_list("name", flat=True)) == ["no_vocals", "vocals"]


def test_a_preview_separates_only_the_preview_length(owner, fake_separator, settings):
    settings.STEMWORKS_PREVIEW_SECONDS = 0.5
    job = JobFactory(owner=owner, kind="preview", duration=0.5)

    run(job)

    assert [stem.duration for stem in job.stems.all()] == [pytest.approx(0.5)] * 2


def test_a_redelivered_task_for_a_finished_job_does_nothing(queued_job, fake_separator):
    run(queued_job)
    finished = Job.objects.get(id=queued_job.id)

    assert run(queued_job) == "skipped"

    again = Job.objects.get(id=queued_job.id)
    assert again.finished_at == finished.finished_at
    assert again.attempts == 1
    assert fake_separator["unet-2stems"].calls == 1
    assert Stem.objects.filter(job=queued_job).count() == 2


def test_it_leaves_a_job_another_worker_is_running_alone(owner, fake_separator):
    job = RunningJobFactory(owner=owner)

    assert run(job) == "skipped"
    assert Job.objects.get(id=job.id).status == Status.RUNNING
    assert not fake_separator


def test_it_does_nothing_for_a_job_that_no_longer_exists(db, fake_separator):
    assert separate_job.apply(args=["00000000-0000-0000-0000-000000000000"]).get() == "skipped"


def test_it_stops_and_keeps_nothing_when_the_job_is_cancelled_while_running(
    queued_job, fake_separator, settings
):
    settings.STEMWORKS_PROGRESS_INTERVAL_S = 0

    def cancel_midway(step):
        if step == 2:
            Job.objects.filter(id=queued_job.id).update(status=Status.CANCELLED)

    fake_separator["unet-2stems"] = sep = FakeSeparator("unet-2stems", on_step=cancel_midway)

    assert run(queued_job) == "cancelled"
    assert Job.objects.get(id=queued_job.id).status == Status.CANCELLED
    assert sep.calls == 1
    assert Stem.objects.filter(job=queued_job).count() == 0
    assert not stored_files(queued_job)


def test_a_job_cancelled_while_its_stems_are_saved_keeps_no_files(queued_job, monkeypatch):
    saved = []
    real_save = FileSystemStorage.save

    def save_then_cancel(storage, name, content, **kwargs):
        saved.append(real_save(storage, name, content, **kwargs))
        Job.objects.filter(id=queued_job.id).update(status=Status.CANCELLED)
        return saved[-1]

    monkeypatch.setattr("workers.pipeline.get_separator", FakeSeparator)
    monkeypatch.setattr(FileSystemStorage, "save", save_then_cancel)

    assert run(queued_job) == "cancelled"

    assert saved  # the first stem's files were stored, then taken away again
    assert not any(default_storage.exists(name) for name in saved)
    assert Stem.objects.filter(job=queued_job).count() == 0


def test_a_job_whose_audio_is_corrupt_fails_with_a_readable_reason(owner, fake_separator):
    job = JobFactory(owner=owner)
    job.input_file.save("song.wav", ContentFile(wav_bytes()[:20] + b"\x00garbage" * 50))

    assert run(job) == "failed"

    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.error and "Traceback" not in job.error
    assert job.finished_at is not None


def test_a_model_that_cannot_load_fails_the_job_without_the_exceptions_text(
    queued_job, monkeypatch, caplog
):
    def broken(model):
        raise ModelLoadingError(
            f"Could not load demucs model {model!r}: <urlopen error [Errno -3] "
            "Temporary failure in name resolution>"
        )

    monkeypatch.setattr("workers.pipeline.get_separator", broken)

    run(queued_job)

    job = Job.objects.get(id=queued_job.id)
    assert (job.status, job.error_class) == ("failed", ErrorClass.INTERNAL)
    assert job.error == (
        "This server could not start the unet-2stems model. It has been logged; "
        "try another model, or try again later."
    )
    assert "urlopen" in caplog.text  # the exception stays in the log


def test_an_unexpected_error_fails_the_job_without_leaking_details(queued_job, monkeypatch):
    monkeypatch.setattr("workers.pipeline.get_separator", lambda model: 1 / 0)

    run(queued_job)

    job = Job.objects.get(id=queued_job.id)
    assert (job.status, job.error) == ("failed", INTERNAL_ERROR)


def test_the_soft_time_limit_fails_the_job_with_a_reason(queued_job, monkeypatch):
    def too_slow(model):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr("workers.pipeline.get_separator", too_slow)

    run(queued_job)

    job = Job.objects.get(id=queued_job.id)
    assert job.status == Status.FAILED
    assert "time limit" in job.error


def test_a_transient_error_gives_the_job_back_and_retries(queued_job, monkeypatch):
    def database_hiccup(model):
        raise OperationalError("connection reset")

    monkeypatch.setattr("workers.pipeline.get_separator", database_hiccup)

    with pytest.raises(Retry):
        separate_job.apply(args=[str(queued_job.id)], throw=True).get()

    job = Job.objects.get(id=queued_job.id)
    assert job.status == Status.QUEUED
    assert job.attempts == 1


def test_progress_reaches_the_job_row_while_separating(queued_job, fake_separator, settings):
    settings.STEMWORKS_PROGRESS_INTERVAL_S = 0
    seen = []

    def watch(step):
        job = Job.objects.get(id=queued_job.id)
        seen.append((job.stage, job.progress))

    fake_separator["unet-2stems"] = FakeSeparator("unet-2stems", on_step=watch)

    run(queued_job)

    assert seen[0] == ("separating", 10)
    assert [progress for _, progress in seen] == sorted(progress for _, progress in seen)
    assert seen[-1][1] == 70  # 3 of 4 steps: 10 + 80 * 0.75


def test_a_job_that_fails_in_the_worker_gets_its_credits_back_once(owner, monkeypatch):
    from tests.factories import charged_job
    from webapp.billing.selectors import credits_balance

    job = charged_job(owner, cost=5)
    monkeypatch.setattr("workers.pipeline.get_separator", lambda model: 1 / 0)

    assert run(job) == "failed"
    assert run(job) == "skipped"

    assert credits_balance(user=owner) == 100
    assert Job.objects.get(id=job.id).status == Status.FAILED
