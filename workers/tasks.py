"""Celery tasks: thin wrappers that take an id, call a service or the pipeline, and retry."""

import logging

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.db import InterfaceError, OperationalError

from separation.errors import SeparationCancelled, SeparationError
from webapp.jobs import housekeeping, lifecycle
from workers.celery import app
from workers.pipeline import run_job

log = logging.getLogger(__name__)

# Failures that say nothing about the song: a later attempt may well succeed.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
MAX_RETRIES = 3

INTERNAL_ERROR = (
    "An internal error stopped the separation. It has been logged; please try again later."
)


def time_limit_reason(limit: float | None) -> str:
    """Explain a job stopped by its time limit."""
    took = f" ({int(limit)} s)" if limit else ""
    return f"The separation took longer than its time limit{took}. Try a shorter file."


class SeparationTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Fail a job whose child process the hard time limit killed, refunding its credits."""
        # Celery calls this in the parent for a hard time limit only since 5.7 (celery#10226);
        # before, the job stayed running until the reconciler noticed its stale heartbeat.
        if isinstance(exc, TimeLimitExceeded) and args:
            limit = exc.args[0] if exc.args else None
            lifecycle.job_fail(job_id=args[0], reason=time_limit_reason(limit))


@app.task(
    bind=True,
    base=SeparationTask,
    name="workers.separate_job",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def separate_job(self, job_id: str) -> str:
    """Claim a job and separate it; a job someone else has or that is over is left alone."""
    job = lifecycle.job_claim(job_id=job_id, task_id=self.request.id or "")
    if job is None:
        return "skipped"
    try:
        if not run_job(job):
            return "cancelled"
    except SeparationCancelled:
        return "cancelled"
    except SoftTimeLimitExceeded:
        limit = self.request.timelimit[1] if self.request.timelimit else None
        lifecycle.job_fail(job_id=job_id, reason=time_limit_reason(limit))
        return "failed"
    except SeparationError as exc:
        lifecycle.job_fail(job_id=job_id, reason=str(exc))
        return "failed"
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= MAX_RETRIES:
            log.exception("job %s: giving up after %s retries", job_id, MAX_RETRIES)
            lifecycle.job_fail(job_id=job_id, reason=INTERNAL_ERROR)
            return "failed"
        log.warning("job %s: transient error, retrying: %s", job_id, exc)
        lifecycle.job_release(job_id=job_id)
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
    except Exception:
        log.exception("job %s: unexpected error", job_id)
        lifecycle.job_fail(job_id=job_id, reason=INTERNAL_ERROR)
        return "failed"
    return "succeeded"


@app.task(name="workers.reconcile_jobs")
def reconcile_jobs() -> dict:
    """Re-queue or fail jobs whose worker went quiet."""
    report = housekeeping.jobs_reconcile()
    return {
        "requeued": [str(i) for i in report.requeued],
        "failed": [str(i) for i in report.failed],
    }


@app.task(name="workers.purge_expired")
def purge_expired() -> int:
    """Delete inputs and stems past the retention period."""
    return housekeeping.jobs_purge_expired()
