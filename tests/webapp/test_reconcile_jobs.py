"""The reconciler: re-queue jobs whose worker went quiet, fail them after max attempts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import JobFactory, RunningJobFactory
from webapp.jobs import housekeeping
from webapp.jobs.models import Job, Status


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: calls.append(kw["job_id"]))
    return calls


@pytest.fixture(autouse=True)
def timeouts(settings):
    settings.STEMWORKS_HEARTBEAT_TIMEOUT_S = 60
    settings.STEMWORKS_QUEUED_TIMEOUT_S = 600
    settings.STEMWORKS_MAX_ATTEMPTS = 3


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def test_it_requeues_a_running_job_past_its_heartbeat(
    owner, enqueued, django_capture_on_commit_callbacks
):
    job = RunningJobFactory(owner=owner, heartbeat_at=ago(minutes=5), attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        report = housekeeping.jobs_reconcile()

    assert report.requeued == [job.id]
    assert enqueued == [job.id]
    assert Job.objects.get(id=job.id).status == Status.QUEUED


def test_it_leaves_a_running_job_with_a_fresh_heartbeat_alone(owner, enqueued):
    job = RunningJobFactory(owner=owner, heartbeat_at=ago(seconds=10))

    assert housekeeping.jobs_reconcile().requeued == []
    assert Job.objects.get(id=job.id).status == Status.RUNNING


def test_it_requeues_a_job_queued_for_too_long_and_counts_the_attempt(
    owner, enqueued, django_capture_on_commit_callbacks
):
    job = JobFactory(owner=owner, queued_at=ago(hours=1), attempts=0)

    with django_capture_on_commit_callbacks(execute=True):
        housekeeping.jobs_reconcile()

    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.QUEUED, 1)
    assert enqueued == [job.id]


def test_it_fails_a_job_after_the_maximum_attempts_with_a_reason(owner, enqueued):
    job = RunningJobFactory(owner=owner, heartbeat_at=ago(minutes=5), attempts=3)

    report = housekeeping.jobs_reconcile()

    job.refresh_from_db()
    assert report.failed == [job.id]
    assert job.status == Status.FAILED
    assert "The worker stopped while separating this song" in job.error
    assert enqueued == []


def test_it_ignores_finished_jobs(owner, enqueued):
    JobFactory(owner=owner, status=Status.SUCCEEDED, queued_at=ago(days=2))

    report = housekeeping.jobs_reconcile()

    assert (report.requeued, report.failed) == ([], [])
