"""Periodic care of jobs: re-queue the stuck, fail the hopeless, delete expired files."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from webapp.billing.services import credits_refund
from webapp.jobs import layout
from webapp.jobs.lifecycle import delete_quietly, worker_lost_reason
from webapp.jobs.models import FINISHED, ErrorClass, Job, Status, Stem
from workers import queue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconcileReport:
    requeued: list
    failed: list
    # Queued jobs sent again because the broker lost its messages.
    resent: list = field(default_factory=list)


def job_files_delete(*, job_id: object, input_name: str) -> None:
    """Delete a job's folder, keeping an input file that another job still uses."""
    folder = layout.job_folder(job_id)
    in_folder = input_name.startswith(f"{folder}/")
    shared = bool(input_name) and (
        Job.objects.filter(input_file=input_name).exclude(id=job_id).exists()
    )
    layout.delete_tree(layout.stems_folder(job_id) if shared and in_folder else folder)
    if input_name and not in_folder and not shared:
        default_storage.delete(input_name)


def _gave_up_reason(job: Job) -> str:
    if job.status == Status.RUNNING:
        return worker_lost_reason(job.attempts)
    return "No worker picked this job up in time. Please try again later."


def jobs_resend_if_broker_emptied() -> list:
    """Send every queued job again when the broker lost its messages; return their ids.

    A job whose message survived gets a second one; whichever a worker takes second finds
    the job claimed and does nothing, so no job runs twice.
    """
    try:
        if not queue.broker_was_emptied():
            return []
    except Exception:
        log.warning("could not tell whether the broker lost its messages", exc_info=True)
        return []
    resent = []
    for job_id, duration in Job.objects.filter(status=Status.QUEUED).values_list("id", "duration"):
        queue.enqueue_separation_on_commit(job_id=job_id, duration=duration)
        resent.append(job_id)
    if resent:
        log.warning("the broker lost its messages: sent %s queued jobs again", len(resent))
    return resent


def jobs_reconcile(*, now: datetime | None = None) -> ReconcileReport:
    """Re-queue jobs stuck in queued or running past their heartbeat; fail them at max attempts.

    Queued jobs whose messages the broker lost (restarted empty, flushed) are sent again.
    """
    now = now or timezone.now()
    resent = jobs_resend_if_broker_emptied()
    stale_running = now - timedelta(seconds=settings.STEMWORKS_HEARTBEAT_TIMEOUT_S)
    stale_queued = now - timedelta(seconds=settings.STEMWORKS_QUEUED_TIMEOUT_S)
    stuck = Job.objects.filter(
        Q(status=Status.RUNNING, heartbeat_at__lt=stale_running)
        | Q(status=Status.QUEUED, queued_at__lt=stale_queued)
    ).only("id", "status", "attempts", "heartbeat_at", "queued_at", "duration")
    requeued, failed = [], []
    for job in stuck:
        # Only if nothing moved since we looked (a None compares as IS NULL).
        was = Q(status=job.status, heartbeat_at=job.heartbeat_at, queued_at=job.queued_at)
        if job.attempts >= settings.STEMWORKS_MAX_ATTEMPTS:
            reason = _gave_up_reason(job)
            gave_up = False
            with transaction.atomic():
                # A queued job that no worker took is classed with lost workers too:
                # either way no worker finished it.
                if Job.objects.filter(was, id=job.id).update(
                    status=Status.FAILED,
                    stage="failed",
                    error=reason,
                    error_class=ErrorClass.WORKER_LOST,
                    finished_at=now,
                ):
                    credits_refund(job_id=job.id, reason=f"Refund: the job failed. {reason}")
                    failed.append(job.id)
                    gave_up = True
            if gave_up:
                # Whatever its lost attempts stored before they died goes with it.
                delete_quietly(layout.delete_tree, layout.stems_folder(job.id))
            continue
        with transaction.atomic():
            # The conditions make sure a worker that revived in the meantime keeps its job.
            if Job.objects.filter(was, id=job.id).update(
                status=Status.QUEUED,
                stage="queued again",
                queued_at=now,
                claimed_by="",
                attempts=F("attempts") + (1 if job.status == Status.QUEUED else 0),
            ):
                requeued.append(job.id)
                queue.enqueue_separation_on_commit(job_id=job.id, duration=job.duration)
    if requeued or failed:
        log.warning("reconciler re-queued %s and failed %s", requeued, failed)
    return ReconcileReport(requeued=requeued, failed=failed, resent=resent)


def purge_due(*, now: datetime) -> Q:
    """Return the condition on jobs that the purge at `now` deletes (monitoring shows them)."""
    cutoff = now - timedelta(days=settings.STEMWORKS_RETENTION_DAYS)
    return Q(status__in=FINISHED, finished_at__lt=cutoff, purged_at__isnull=True)


def jobs_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the upload and stems of jobs finished more than the retention period ago."""
    now = now or timezone.now()
    expired = Job.objects.filter(purge_due(now=now)).values_list("id", "input_file")
    purged = 0
    for job_id, input_name in list(expired):
        # Marked first, under the row's lock: a new job that reuses this upload either
        # committed before (and its use keeps the file) or now sees it gone.
        with transaction.atomic():
            if not Job.objects.filter(id=job_id, purged_at__isnull=True).update(
                purged_at=now, input_file=""
            ):
                continue
            Stem.objects.filter(job_id=job_id).delete()
        job_files_delete(job_id=job_id, input_name=input_name)
        purged += 1
    return purged
