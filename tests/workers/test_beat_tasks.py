"""The beat tasks call the reconciler and the retention job."""

from datetime import timedelta

from django.utils import timezone

from tests.factories import RunningJobFactory, succeeded_job
from webapp.jobs.models import Job, Status
from workers.tasks import purge_expired, reconcile_jobs


def test_reconcile_jobs_reports_what_it_failed(owner, settings):
    settings.STEMWORKS_MAX_ATTEMPTS = 1
    job = RunningJobFactory(owner=owner, heartbeat_at=timezone.now() - timedelta(days=1))

    result = reconcile_jobs.apply().get()

    assert result == {"requeued": [], "failed": [str(job.id)], "resent": []}
    assert Job.objects.get(id=job.id).status == Status.FAILED


def test_purge_expired_counts_the_jobs_it_purged(owner, settings):
    settings.STEMWORKS_RETENTION_DAYS = 1
    job = succeeded_job(owner)
    Job.objects.filter(id=job.id).update(finished_at=timezone.now() - timedelta(days=2))

    assert purge_expired.apply().get() == 1
