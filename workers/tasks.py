"""Celery tasks: thin wrappers that take an id, call a service or the pipeline, and retry."""

import errno
import logging
import os

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

from separation.errors import (
    InvalidOptions,
    ModelLoadingError,
    SeparationCancelled,
    SeparationError,
)
from webapp.jobs import housekeeping, layout, lifecycle
from webapp.jobs.lifecycle import Claim
from webapp.jobs.models import ErrorClass, Job
from workers.celery import app
from workers.heartbeat import Heartbeat
from workers.pipeline import run_job
from workers.stopwatch import STORE, Stopwatch

log = logging.getLogger(__name__)

# Failures that say nothing about the song: a later attempt may well succeed.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
MAX_RETRIES = 3

INTERNAL_ERROR = (
    "An internal error stopped the separation. It has been logged; please try again later."
)
OUT_OF_MEMORY = (
    "The worker ran out of memory separating this song. Try a shorter file, or try again later."
)
STORAGE_FAILED = (
    "The stems could not be saved: the server's storage is full or unavailable. "
    "It has been logged; please try again later."
)
# A write that fails for want of space, wherever it happens (storage or the scratch folder).
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
# Engine errors that are the install's fault (missing weights, a bad device), not the song's.
SETUP_ERRORS = (ModelLoadingError, InvalidOptions)


def time_limit_reason(limit: float | None) -> str:
    """Explain a job stopped by its time limit."""
    took = f" ({int(limit)} s)" if limit else ""
    return f"The separation took longer than its time limit{took}. Try a shorter file."


def setup_error_reason(model: str) -> str:
    """Explain a job this server could not run: its engine or the model's weights are missing."""
    return (
        f"This server could not start the {model} model. It has been logged; "
        "try another model, or try again later."
    )


class SeparationTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        """Fail a job whose child process the hard time limit killed, refunding its credits."""
        # Celery calls this in the parent for a hard time limit only since 5.7 (celery#10226);
        # before, the job stayed running until the reconciler noticed its stale heartbeat.
        if isinstance(exc, TimeLimitExceeded) and args:
            limit = exc.args[0] if exc.args else None
            _drop_broken_connections()  # the parent's connection may be long dead
            job = Job.objects.filter(id=args[0], claimed_by=task_id).first()
            if job is not None and lifecycle.job_fail(
                job_id=job.id,
                reason=time_limit_reason(limit),
                error_class=ErrorClass.TIME_LIMIT,
                claim=Claim.of(job),
            ):
                # The killed child may have been storing: its attempt's files go.
                layout.delete_tree(layout.attempt_folder(job.id, job.attempts))


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
    watch = Stopwatch(worker_host=self.request.hostname or "", worker_pid=os.getpid())
    job = lifecycle.job_claim(
        job_id=job_id,
        task_id=self.request.id or "",
        worker_host=watch.worker_host,
        worker_pid=watch.worker_pid,
    )
    if job is None:
        return "skipped"
    claim = Claim.of(job)

    def fail(reason: str, error_class: str) -> str:
        lifecycle.job_fail(
            job_id=job_id,
            reason=reason,
            error_class=error_class,
            stats=watch.stats(),
            claim=claim,
        )
        return "failed"

    try:
        with Heartbeat(claim, every=settings.STEMWORKS_HEARTBEAT_EVERY_S):
            if not run_job(job, watch):
                return "cancelled"
    except SeparationCancelled:
        return "cancelled"
    except SoftTimeLimitExceeded:
        limit = self.request.timelimit[1] if self.request.timelimit else None
        return fail(time_limit_reason(limit), ErrorClass.TIME_LIMIT)
    except SETUP_ERRORS:
        # The exception's own words (paths, URLs, library errors) go to the log, not the user.
        log.exception("job %s: the engine cannot run model %s", job_id, job.model)
        return fail(setup_error_reason(job.model), ErrorClass.INTERNAL)
    except SeparationError as exc:
        return fail(str(exc), ErrorClass.BAD_INPUT)
    except TRANSIENT_ERRORS as exc:
        _drop_broken_connections()
        if self.request.retries >= MAX_RETRIES:
            log.exception("job %s: giving up after %s retries", job_id, MAX_RETRIES)
            return fail(*_unexpected(exc, watch))
        log.warning("job %s: transient error, retrying: %s", job_id, exc)
        if not lifecycle.job_release(claim=claim):
            log.warning("job %s: the claim was lost meanwhile; the retry will skip it", job_id)
        raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from exc
    except Exception as exc:
        log.exception("job %s: unexpected error", job_id)
        return fail(*_unexpected(exc, watch))
    return "succeeded"


def _is_out_of_memory(exc: BaseException) -> bool:
    # torch's OutOfMemoryError (CUDA) is matched by name: this module must not import torch.
    return isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError"


def _unexpected(exc: BaseException, watch: Stopwatch) -> tuple[str, str]:
    """Return the reason and class of an unexpected error: memory, storage or internal."""
    if _is_out_of_memory(exc):
        return OUT_OF_MEMORY, ErrorClass.OUT_OF_MEMORY
    no_space = isinstance(exc, OSError) and exc.errno in _NO_SPACE
    if no_space or watch.running == STORE:
        return STORAGE_FAILED, ErrorClass.STORAGE
    return INTERNAL_ERROR, ErrorClass.INTERNAL


def _drop_broken_connections() -> None:
    """Close database connections the server dropped, so the next query opens a new one."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()


@app.task(name="workers.reconcile_jobs")
def reconcile_jobs() -> dict:
    """Re-queue or fail jobs whose worker went quiet."""
    report = housekeeping.jobs_reconcile()
    return {
        "requeued": [str(i) for i in report.requeued],
        "failed": [str(i) for i in report.failed],
        "resent": [str(i) for i in report.resent],
    }


@app.task(name="workers.purge_expired")
def purge_expired() -> int:
    """Delete inputs and stems past the retention period."""
    return housekeeping.jobs_purge_expired()
