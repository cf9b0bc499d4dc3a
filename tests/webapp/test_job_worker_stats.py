"""What a job records for monitoring: the worker, the device, stage times and failure class."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import JobFactory, RunningJobFactory, wav_upload
from tests.webapp.test_job_succeed import stem_data
from webapp.jobs import housekeeping, lifecycle, services
from webapp.jobs.lifecycle import Claim
from webapp.jobs.models import ErrorClass, Job, Status, Stem
from workers.progress import ProgressReporter


def test_the_monitoring_fields_are_saved_and_read_back(owner):
    job = JobFactory(
        owner=owner,
        status=Status.FAILED,
        worker_host="celery@box",
        worker_pid=4242,
        device="cuda:0",
        decode_s=0.5,
        separate_s=3.25,
        encode_s=1.5,
        store_s=0.25,
        error_class=ErrorClass.STORAGE,
        input_size=5_000_000_000,
    )

    saved = Job.objects.get(id=job.id)

    assert (saved.worker_host, saved.worker_pid, saved.device) == ("celery@box", 4242, "cuda:0")
    assert (saved.decode_s, saved.separate_s, saved.encode_s, saved.store_s) == (
        0.5,
        3.25,
        1.5,
        0.25,
    )
    assert saved.error_class == "storage"
    assert saved.input_size == 5_000_000_000


def test_a_new_job_has_no_worker_figures_yet(owner):
    saved = Job.objects.get(id=JobFactory(owner=owner).id)

    assert saved.worker_host == "" and saved.worker_pid is None and saved.device == ""
    assert saved.decode_s is None and saved.store_s is None and saved.error_class == ""


def test_a_claim_records_the_worker_and_clears_an_earlier_attempts_figures(owner):
    job = JobFactory(owner=owner, device="cuda:1", decode_s=3.0, error_class="internal")

    claimed = lifecycle.job_claim(job_id=job.id, worker_host="celery@box", worker_pid=77)

    assert claimed is not None
    assert (claimed.worker_host, claimed.worker_pid) == ("celery@box", 77)
    assert (claimed.device, claimed.decode_s, claimed.error_class) == ("", None, "")


def test_success_saves_the_stats_asked_for_once_the_stems_are_stored(owner, tmp_path):
    job = RunningJobFactory(owner=owner, worker_host="celery@box", worker_pid=77)
    asked = []

    def stats() -> lifecycle.JobStats:
        asked.append(Stem.objects.filter(job=job).count())
        return lifecycle.JobStats(device="cpu", decode_s=0.1, separate_s=2.0, store_s=0.0)

    assert lifecycle.job_succeed(
        claim=Claim.of(job), stems=[stem_data(tmp_path, "vocals")], stats=stats
    )

    job.refresh_from_db()
    assert asked == [0]  # asked once, as the job ends
    assert (job.status, job.device, job.decode_s, job.separate_s) == ("succeeded", "cpu", 0.1, 2.0)
    assert job.store_s == 0.0 and job.encode_s is None
    # Figures the worker did not measure leave what the claim recorded.
    assert (job.worker_host, job.worker_pid) == ("celery@box", 77)


def test_a_failure_is_internal_unless_told_and_saves_what_was_measured(owner):
    plain, storage = RunningJobFactory(owner=owner), RunningJobFactory(owner=owner)

    assert lifecycle.job_fail(job_id=plain.id, reason="Oops.")
    assert lifecycle.job_fail(
        job_id=storage.id,
        reason="Oops.",
        error_class=ErrorClass.STORAGE,
        stats=lifecycle.JobStats(worker_host="celery@box", device="cpu", encode_s=1.5),
    )

    plain.refresh_from_db()
    storage.refresh_from_db()
    assert (plain.error_class, plain.device) == (ErrorClass.INTERNAL, "")
    assert (storage.error_class, storage.worker_host, storage.encode_s) == (
        ErrorClass.STORAGE,
        "celery@box",
        1.5,
    )


def test_a_redelivery_past_the_last_attempt_fails_as_worker_lost(owner, settings):
    settings.STEMWORKS_MAX_ATTEMPTS = 2
    job = RunningJobFactory(owner=owner, claimed_by="task-1", attempts=2)

    assert lifecycle.job_claim(job_id=job.id, task_id="task-1") is None

    job.refresh_from_db()
    assert (job.status, job.error_class) == (Status.FAILED, ErrorClass.WORKER_LOST)


@pytest.mark.parametrize("status", [Status.RUNNING, Status.QUEUED])
def test_the_reconciler_fails_a_hopeless_job_as_worker_lost(owner, settings, status):
    settings.STEMWORKS_MAX_ATTEMPTS = 1
    long_ago = timezone.now() - timedelta(days=1)
    job = JobFactory(
        owner=owner, status=status, heartbeat_at=long_ago, queued_at=long_ago, attempts=1
    )

    assert housekeeping.jobs_reconcile().failed == [job.id]

    assert Job.objects.get(id=job.id).error_class == ErrorClass.WORKER_LOST


def test_a_job_records_the_size_of_its_upload_and_a_reuse_the_same(owner, monkeypatch):
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)
    upload = wav_upload(seconds=2)

    first = services.job_create(owner=owner, upload=upload, model="unet-2stems")
    again = services.job_create(owner=owner, source=first, model="unet-2stems", kind="preview")

    assert Job.objects.get(id=first.id).input_size == upload.size == first.input_file.size
    assert Job.objects.get(id=again.id).input_size == upload.size


def test_a_progress_report_is_still_one_query(owner, django_assert_num_queries, settings):
    settings.STEMWORKS_PROGRESS_INTERVAL_S = 0
    job = RunningJobFactory(owner=owner)
    reporter = ProgressReporter(Claim.of(job), stage="separating", start=10, end=90, interval=0)

    with django_assert_num_queries(1):
        reporter(0.5)
    with django_assert_num_queries(1):
        lifecycle.job_report_progress(claim=Claim.of(job), progress=50, stage="separating")
