"""What the worker records of a job as it ends: host, process, device, stage times, failure."""

import errno
import os
import threading
from types import SimpleNamespace

import pytest
import torch
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.utils.nodenames import gethostname
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from separation.api import Separator
from separation.errors import ModelLoadingError
from tests.factories import JobFactory, RunningJobFactory, wav_bytes
from tests.workers.fakes import FakeSeparator
from tests.workers.test_pipeline_streaming import read_song, song_job
from webapp.jobs import layout
from webapp.jobs.models import ErrorClass, Job, Status
from workers import tasks
from workers.engine import device_name
from workers.stopwatch import Stopwatch
from workers.tasks import separate_job


def run(job, **options) -> str:
    return separate_job.apply(args=[str(job.id)], **options).get(propagate=True)


def stage_times(job: Job) -> tuple:
    return (job.decode_s, job.separate_s, job.encode_s, job.store_s)


@pytest.fixture(scope="module")
def unet() -> Separator:
    return Separator("unet-2stems", device="cpu")


def test_a_real_separation_records_its_worker_device_and_stage_times(owner, monkeypatch, unet):
    monkeypatch.setattr("workers.pipeline.get_separator", lambda model: unet)
    job = song_job(owner, read_song(seconds=8))

    assert run(job) == "succeeded"

    job.refresh_from_db()
    assert (job.worker_host, job.worker_pid, job.device) == (gethostname(), os.getpid(), "cpu")
    assert all(seconds > 0 for seconds in stage_times(job))
    processing = (job.finished_at - job.started_at).total_seconds()
    assert sum(stage_times(job)) <= processing
    # The model is the slow part of a real separation; reading a WAV is quick.
    assert job.separate_s > job.decode_s


def test_a_finished_job_keeps_the_figures_of_its_last_attempt_only(owner, fake_separator):
    job = JobFactory(owner=owner, status=Status.QUEUED, device="cuda:3", decode_s=99.0)

    run(job)

    job.refresh_from_db()
    assert job.device == "cpu" and job.decode_s < 99.0 and job.error_class == ""


def test_audio_the_engine_refuses_is_bad_input(owner, fake_separator):
    job = JobFactory(owner=owner)
    job.input_file.save("song.wav", ContentFile(wav_bytes()[:20] + b"\x00garbage" * 50))

    assert run(job) == "failed"

    job.refresh_from_db()
    assert job.error_class == ErrorClass.BAD_INPUT
    # What was measured before the failure is kept: the host, and the reading that failed.
    assert job.worker_pid == os.getpid() and job.decode_s > 0
    assert job.separate_s is None and job.device == ""


def test_the_soft_time_limit_is_a_time_limit_and_keeps_the_times_so_far(owner, fake_separator):
    def too_slow(step):
        if step == 3:
            raise SoftTimeLimitExceeded()

    fake_separator["unet-2stems"] = FakeSeparator("unet-2stems", on_step=too_slow)
    job = JobFactory(owner=owner)

    assert run(job) == "failed"

    job.refresh_from_db()
    assert (job.status, job.error_class, job.device) == ("failed", ErrorClass.TIME_LIMIT, "cpu")
    assert job.decode_s > 0 and job.separate_s > 0 and job.store_s is None


def test_the_hard_time_limit_seen_by_the_parent_is_a_time_limit(owner):
    job = RunningJobFactory(owner=owner, claimed_by="t")

    tasks.SeparationTask().on_failure(TimeLimitExceeded(60), "t", [str(job.id)], {}, None)

    assert Job.objects.get(id=job.id).error_class == ErrorClass.TIME_LIMIT


def test_the_hard_time_limit_deletes_what_the_killed_attempt_stored(owner):
    job = RunningJobFactory(owner=owner, claimed_by="t", attempts=2)
    half = default_storage.save(layout.stem_name(job.id, "vocals", "flac", 2), ContentFile(b"x"))

    tasks.SeparationTask().on_failure(TimeLimitExceeded(60), "t", [str(job.id)], {}, None)

    assert not default_storage.exists(half)


def test_a_store_failure_leaves_no_encoder_thread_running(owner, fake_separator, monkeypatch):
    def full_after_one(*, claim, stems, stats):
        next(iter(stems))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("workers.pipeline.job_succeed", full_after_one)
    job = JobFactory(owner=owner)

    assert run(job) == "failed"

    assert not [t for t in threading.enumerate() if t.name.startswith("encode")]
    assert Job.objects.get(id=job.id).error_class == ErrorClass.STORAGE


def test_the_hard_time_limit_of_a_lost_attempt_leaves_the_new_one_alone(owner):
    job = RunningJobFactory(owner=owner, claimed_by="new-task", attempts=2)

    tasks.SeparationTask().on_failure(TimeLimitExceeded(60), "old-task", [str(job.id)], {}, None)

    assert Job.objects.get(id=job.id).status == Status.RUNNING


def test_a_worker_lost_on_every_attempt_is_worker_lost(owner, fake_separator, settings):
    settings.STEMWORKS_MAX_ATTEMPTS = 1
    job = RunningJobFactory(owner=owner, claimed_by="task-1", attempts=1)

    # The broker redelivers the task after its worker died, with no attempt left.
    assert run(job, task_id="task-1") == "skipped"

    job.refresh_from_db()
    assert (job.status, job.error_class) == ("failed", ErrorClass.WORKER_LOST)


def test_a_storage_failure_is_storage_and_keeps_every_stage_so_far(
    owner, fake_separator, monkeypatch
):
    def full(storage, name, content, **kwargs):
        raise OSError("No space left on device")

    job = JobFactory(owner=owner)
    monkeypatch.setattr(FileSystemStorage, "save", full)

    assert run(job) == "failed"

    job.refresh_from_db()
    assert (job.error_class, job.error) == (ErrorClass.STORAGE, tasks.STORAGE_FAILED)
    assert all(seconds is not None and seconds >= 0 for seconds in stage_times(job))


def test_a_storage_outage_after_the_retries_is_storage(owner, fake_separator, monkeypatch):
    def unreachable(storage, name, content, **kwargs):
        raise ConnectionError("storage unreachable")

    job = JobFactory(owner=owner)
    monkeypatch.setattr(FileSystemStorage, "save", unreachable)

    assert run(job, retries=tasks.MAX_RETRIES) == "failed"

    assert Job.objects.get(id=job.id).error_class == ErrorClass.STORAGE


def test_an_error_while_encoding_is_internal(owner, fake_separator, monkeypatch):
    def broken(self, master, fmt):
        raise ValueError("encoder bug")

    monkeypatch.setattr("workers.stem_encoding.StemEncoder._copy", broken)
    job = JobFactory(owner=owner)

    assert run(job) == "failed"

    job.refresh_from_db()
    assert job.error_class == ErrorClass.INTERNAL and job.store_s is None


def test_running_out_of_memory_is_out_of_memory(owner, fake_separator):
    def huge(step):
        raise MemoryError()

    fake_separator["unet-2stems"] = FakeSeparator("unet-2stems", on_step=huge)
    job = JobFactory(owner=owner)

    assert run(job) == "failed"

    job.refresh_from_db()
    assert job.error_class == ErrorClass.OUT_OF_MEMORY and "memory" in job.error


def test_weights_that_cannot_load_are_internal_not_the_songs_fault(owner, monkeypatch):
    def broken(model):
        raise ModelLoadingError("The weights of unet-2stems are missing.")

    monkeypatch.setattr("workers.pipeline.get_separator", broken)
    job = JobFactory(owner=owner)

    run(job)

    job.refresh_from_db()
    assert (job.status, job.error_class) == ("failed", ErrorClass.INTERNAL)


def test_the_stopwatch_times_each_stage_and_keeps_the_one_that_failed():
    now = [0.0]
    watch = Stopwatch(clock=lambda: now[0])
    with watch.stage("decode"):
        now[0] += 2
    items = watch.alternate([1, 2], inside="separate", between="encode")
    for _ in items:
        now[0] += 1  # the caller's work on each item: encoding
    with pytest.raises(OSError), watch.stage("store"):
        now[0] += 0.5
        raise OSError

    now[0] += 0.25  # a failed stage counts until the figures are taken
    stats = watch.stats()

    assert watch.running == "store"
    assert (stats.decode_s, stats.separate_s, stats.encode_s, stats.store_s) == (2, 0, 2, 0.75)


@pytest.mark.parametrize(
    ("device", "name"), [("cpu", "cpu"), ("cuda", "cuda:2"), ("cuda:1", "cuda:1"), (None, "")]
)
def test_the_device_is_named_with_its_index(monkeypatch, device, name):
    # No GPU needed: torch.device("cuda") is only a name until something runs on it.
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 2)
    engine = SimpleNamespace(device=torch.device(device)) if device else object()

    assert device_name(engine) == name
