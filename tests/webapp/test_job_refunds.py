"""A job that ends without stems gives its credits back, exactly once."""

from datetime import timedelta

from django.utils import timezone

from tests.factories import RunningJobFactory, charged_job
from webapp.billing.models import CreditTransaction
from webapp.billing.selectors import credits_balance
from webapp.jobs import housekeeping, lifecycle, services
from webapp.jobs.models import Job, Status


def refunds(job) -> list[int]:
    return list(
        CreditTransaction.objects.filter(kind="refund", reference=f"job:{job.id}").values_list(
            "amount", flat=True
        )
    )


def test_a_failed_job_is_refunded(owner):
    job = charged_job(owner, cost=3, factory=RunningJobFactory)
    assert credits_balance(user=owner) == 97

    assert lifecycle.job_fail(job_id=job.id, reason="The worker ran out of memory.")

    assert credits_balance(user=owner) == 100
    assert refunds(job) == [3]


def test_a_job_failed_twice_is_refunded_once(owner):
    job = charged_job(owner, cost=3, factory=RunningJobFactory)

    lifecycle.job_fail(job_id=job.id, reason="first")
    lifecycle.job_fail(job_id=job.id, reason="second", statuses=(Status.RUNNING, Status.FAILED))

    assert credits_balance(user=owner) == 100
    assert refunds(job) == [3]


def test_a_cancelled_job_is_refunded(owner):
    job = charged_job(owner, cost=2)

    services.job_cancel(job=job)

    assert credits_balance(user=owner) == 100
    assert refunds(job) == [2]


def test_a_succeeded_job_keeps_its_charge_when_deleted(owner):
    job = charged_job(owner, cost=2, status=Status.SUCCEEDED)

    services.job_delete(job=job)

    assert credits_balance(user=owner) == 98


def test_a_queued_job_deleted_before_it_ran_is_refunded(owner):
    job = charged_job(owner, cost=2)

    services.job_delete(job=job)

    assert credits_balance(user=owner) == 100
    assert not Job.objects.filter(id=job.id).exists()


def test_a_job_the_reconciler_gives_up_on_is_refunded(owner, settings, monkeypatch):
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)
    settings.STEMWORKS_MAX_ATTEMPTS = 1
    stale = timezone.now() - timedelta(hours=2)
    job = charged_job(owner, cost=4, factory=RunningJobFactory, heartbeat_at=stale)

    report = housekeeping.jobs_reconcile()

    assert report.failed == [job.id]
    assert credits_balance(user=owner) == 100
    assert refunds(job) == [4]
