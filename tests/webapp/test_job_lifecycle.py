"""The job state machine: conditional updates decide who wins."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.factories import JobFactory, RunningJobFactory, charged_job
from tests.stored import stem_files_stored
from webapp.billing.selectors import credits_balance
from webapp.jobs import layout, lifecycle, pricing
from webapp.jobs.lifecycle import Claim
from webapp.jobs.models import Job, Status


def test_only_the_first_of_two_claims_wins(owner):
    job = JobFactory(owner=owner)

    first = lifecycle.job_claim(job_id=job.id)
    second = lifecycle.job_claim(job_id=job.id)

    assert first is not None and first.status == Status.RUNNING
    assert second is None
    assert Job.objects.get(id=job.id).attempts == 1


@pytest.mark.parametrize("status", ["succeeded", "failed", "cancelled"])
def test_a_job_that_is_not_queued_cannot_be_claimed(owner, status):
    job = JobFactory(owner=owner, status=status)

    assert lifecycle.job_claim(job_id=job.id) is None
    assert Job.objects.get(id=job.id).status == status


def test_a_redelivery_of_the_claiming_task_takes_its_running_job_back_at_once(owner):
    job = JobFactory(owner=owner)
    assert lifecycle.job_claim(job_id=job.id, task_id="task-1") is not None

    # The worker died mid-job; the broker hands the same task (same id) to another worker.
    again = lifecycle.job_claim(job_id=job.id, task_id="task-1")

    assert again is not None and again.attempts == 2 and again.claimed_by == "task-1"


def test_a_redelivery_past_the_last_attempt_fails_the_job_and_refunds_it(owner, settings):
    settings.STEMWORKS_MAX_ATTEMPTS = 2
    job = charged_job(owner, cost=3)
    assert lifecycle.job_claim(job_id=job.id, task_id="task-1") is not None
    assert lifecycle.job_claim(job_id=job.id, task_id="task-1") is not None

    # The song killed the worker twice; the broker hands the task over a third time.
    assert lifecycle.job_claim(job_id=job.id, task_id="task-1") is None

    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.FAILED, 2)
    assert "stopped while separating this song 2 times" in job.error
    assert credits_balance(user=owner) == 100
    assert lifecycle.job_claim(job_id=job.id, task_id="task-1") is None
    assert credits_balance(user=owner) == 100


def test_another_task_cannot_take_a_running_job_with_a_fresh_heartbeat(owner):
    job = JobFactory(owner=owner)
    lifecycle.job_claim(job_id=job.id, task_id="task-1")

    assert lifecycle.job_claim(job_id=job.id, task_id="task-2") is None
    assert Job.objects.get(id=job.id).claimed_by == "task-1"


def test_a_released_job_forgets_its_task(owner):
    job = JobFactory(owner=owner)
    claimed = lifecycle.job_claim(job_id=job.id, task_id="task-1")

    assert lifecycle.job_release(claim=Claim.of(claimed))
    assert Job.objects.get(id=job.id).claimed_by == ""


def one_wav_stem(path) -> lifecycle.StemData:
    """A vocals stem of one encoded WAV file at `path`, as a worker hands it over."""
    wav = lifecycle.EncodedFile(format="wav", path=path, sample_rate=44100)
    return lifecycle.StemData(name="vocals", duration=1.0, sample_rate=44100, files=(wav,))


def lost_attempt(owner, settings) -> tuple[Claim, Claim]:
    """A job whose first attempt went silent and a second attempt took: (first, second)."""
    settings.STEMWORKS_HEARTBEAT_TIMEOUT_S = 60
    job = JobFactory(owner=owner)
    first = Claim.of(lifecycle.job_claim(job_id=job.id, task_id="task-1"))
    Job.objects.filter(id=job.id).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    second = Claim.of(lifecycle.job_claim(job_id=job.id, task_id="task-2"))
    return first, second


def test_each_claim_is_its_own_attempt(owner, settings):
    first, second = lost_attempt(owner, settings)

    assert (first.task_id, first.attempt) == ("task-1", 1)
    assert (second.task_id, second.attempt) == ("task-2", 2)


def test_a_silent_attempt_that_comes_back_changes_nothing_of_the_new_one(owner, settings, tmp_path):
    first, second = lost_attempt(owner, settings)
    lifecycle.job_report_progress(claim=second, progress=40, stage="separating")
    encoded = tmp_path / "vocals.wav"
    encoded.write_bytes(b"RIFF" * 10)
    stems = [one_wav_stem(encoded)]

    assert not lifecycle.job_report_progress(claim=first, progress=90, stage="saving stems")
    assert not lifecycle.job_heartbeat(claim=first)
    assert not lifecycle.job_succeed(claim=first, stems=stems)
    assert not lifecycle.job_fail(job_id=first.job_id, reason="late", claim=first)
    assert not lifecycle.job_release(claim=first)

    job = Job.objects.get(id=second.job_id)
    assert (job.status, job.progress, job.stage) == (Status.RUNNING, 40, "separating")
    assert (job.claimed_by, job.attempts) == ("task-2", 2)
    assert not job.stems.exists()
    assert stem_files_stored(job.id) == []
    assert lifecycle.job_succeed(claim=second, stems=stems)


def test_success_deletes_what_a_lost_attempt_left_in_storage(owner, settings, tmp_path):
    first, second = lost_attempt(owner, settings)
    default_storage.save(layout.stem_name(first.job_id, "vocals", "wav", 1), ContentFile(b"half"))
    encoded = tmp_path / "vocals.wav"
    encoded.write_bytes(b"whole")
    stems = [one_wav_stem(encoded)]

    assert lifecycle.job_succeed(claim=second, stems=stems)

    assert stem_files_stored(second.job_id) == ["vocals.wav"]
    stored = Job.objects.get(id=second.job_id).stems.get().files.get()
    assert stored.file.name == layout.stem_name(second.job_id, "vocals", "wav", 2)
    assert stored.file.read() == b"whole"


def test_a_job_that_succeeded_keeps_its_files_when_tidying_up_fails(
    owner, settings, tmp_path, monkeypatch
):
    _, second = lost_attempt(owner, settings)
    encoded = tmp_path / "vocals.wav"
    encoded.write_bytes(b"whole")
    stems = [one_wav_stem(encoded)]

    def unreachable(*args):
        raise ConnectionError("storage unreachable")

    monkeypatch.setattr(layout, "delete_other_attempts", unreachable)

    assert lifecycle.job_succeed(claim=second, stems=stems)

    assert Job.objects.get(id=second.job_id).status == Status.SUCCEEDED
    assert stem_files_stored(second.job_id) == ["vocals.wav"]


def test_a_heartbeat_moves_only_the_heartbeat(owner):
    job = RunningJobFactory(owner=owner, heartbeat_at=timezone.now() - timedelta(hours=1))

    assert lifecycle.job_heartbeat(claim=Claim.of(job))

    job.refresh_from_db()
    assert timezone.now() - job.heartbeat_at < timedelta(seconds=5)
    assert (job.status, job.progress) == (Status.RUNNING, 0)


def test_a_running_job_whose_heartbeat_went_stale_can_be_claimed_again(owner, settings):
    settings.STEMWORKS_HEARTBEAT_TIMEOUT_S = 60
    job = RunningJobFactory(owner=owner, heartbeat_at=timezone.now() - timedelta(minutes=5))

    claimed = lifecycle.job_claim(job_id=job.id)

    assert claimed is not None and claimed.attempts == 2


def test_progress_is_not_recorded_for_a_job_that_is_no_longer_running(owner):
    job = JobFactory(owner=owner, status=Status.CANCELLED)

    assert (
        lifecycle.job_report_progress(claim=Claim.of(job), progress=50, stage="separating") is False
    )
    assert Job.objects.get(id=job.id).progress == 0


def test_progress_is_clamped_and_moves_the_heartbeat(owner):
    job = RunningJobFactory(owner=owner, heartbeat_at=timezone.now() - timedelta(hours=1))

    assert lifecycle.job_report_progress(claim=Claim.of(job), progress=140, stage="separating")

    job.refresh_from_db()
    assert job.progress == 100
    assert timezone.now() - job.heartbeat_at < timedelta(seconds=5)


def test_failing_records_the_reason_and_the_time(owner):
    job = RunningJobFactory(owner=owner)

    assert lifecycle.job_fail(job_id=job.id, reason="The file is truncated.")

    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", "The file is truncated.")
    assert job.finished_at is not None


def test_a_finished_job_is_not_failed_afterwards(owner):
    job = JobFactory(owner=owner, status=Status.SUCCEEDED)

    assert lifecycle.job_fail(job_id=job.id, reason="late") is False
    assert Job.objects.get(id=job.id).status == Status.SUCCEEDED


def test_full_jobs_cost_a_credit_per_started_minute_and_previews_nothing():
    assert pricing.job_cost(duration=61, kind="full") == 2
    assert pricing.job_cost(duration=5, kind="full") == 1
    assert pricing.job_cost(duration=600, kind="preview") == 0
