"""Every write to jobs: creation, the state machine, stems, cancellation and cleanup.

Status changes are conditional updates (`UPDATE ... WHERE status = old`) whose row count
says whether this caller won, so two workers never run one job and a re-delivered task
for a finished job does nothing.
"""

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from separation import audio, catalog
from separation.errors import InvalidAudio, InvalidOptions
from webapp.jobs.files import delete_tree, job_folder
from webapp.jobs.models import FINISHED, Job, Kind, Status, Stem

log = logging.getLogger(__name__)

ACTIVE = (Status.CREATED, Status.QUEUED, Status.RUNNING)


class JobConflict(Exception):
    """The job is in a state where the asked change makes no sense."""


@dataclass(frozen=True)
class StemData:
    """An encoded stem the worker hands over for storing."""

    name: str
    content: bytes
    format: str
    duration: float


def job_cost(*, duration: float, kind: str) -> int:
    """Return the credits a job costs: previews are free, full jobs cost one per started minute."""
    return 0 if kind == Kind.PREVIEW else max(1, math.ceil(duration / 60))


def job_create(
    *, owner, upload: UploadedFile, model: str, target: str = catalog.ALL, kind: str = Kind.FULL
) -> Job:
    """Check an upload and its options, store it and queue a job; SeparationError if unusable."""
    catalog.output_stems(model, target)  # raises InvalidOptions with a reason
    if kind not in Kind.values:
        raise InvalidOptions(f"Unknown kind {kind!r}; choose one of: {', '.join(Kind.values)}.")
    if upload.size == 0:
        raise InvalidAudio("The file is empty.")
    info = audio.probe(upload.file, max_duration=settings.STEMWORKS_MAX_DURATION_S)
    upload.seek(0)
    duration = info.duration
    if kind == Kind.PREVIEW:
        duration = min(duration, settings.STEMWORKS_PREVIEW_SECONDS)
    now = timezone.now()
    with transaction.atomic():
        job = Job(
            owner=owner,
            original_name=(upload.name or "upload")[:255],
            duration=duration,
            model=model,
            target=target,
            kind=kind,
            status=Status.QUEUED,
            stage="queued",
            cost=job_cost(duration=duration, kind=kind),
            queued_at=now,
        )
        job.input_file.save(upload.name or "upload", upload, save=False)
        job.save()
        _enqueue_on_commit(job)
    return job


def _enqueue_on_commit(job: Job) -> None:
    from workers.queue import enqueue_separation

    job_id, duration = job.id, job.duration
    transaction.on_commit(lambda: enqueue_separation(job_id=job_id, duration=duration))


def job_claim(*, job_id: object, now: datetime | None = None) -> Job | None:
    """Move a queued job to running for this worker; None when someone else has it or it is over."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.STEMWORKS_HEARTBEAT_TIMEOUT_S)
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=stale)
    updated = Job.objects.filter(claimable, id=job_id).update(
        status=Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        stage="starting",
        error="",
        attempts=F("attempts") + 1,
    )
    if updated == 0:
        # Nothing got updated: another worker got there first, or the job is over.
        return None
    return Job.objects.get(id=job_id)


def job_report_progress(*, job_id: object, progress: int, stage: str) -> bool:
    """Record progress of a running job; False when it is no longer running (cancelled, gone)."""
    updated = Job.objects.filter(id=job_id, status=Status.RUNNING).update(
        progress=max(0, min(100, int(progress))), stage=stage[:100], heartbeat_at=timezone.now()
    )
    return updated == 1


def job_succeed(*, job_id: object, stems: list[StemData]) -> bool:
    """Store the stems of a running job and mark it succeeded; False (keeping nothing) if not."""
    saved: list[tuple[StemData, str]] = []
    try:
        for stem in stems:
            path = f"{job_folder(job_id)}/stems/{stem.name}.{stem.format}"
            saved.append((stem, default_storage.save(path, ContentFile(stem.content))))
        with transaction.atomic():
            updated = Job.objects.filter(id=job_id, status=Status.RUNNING).update(
                status=Status.SUCCEEDED, progress=100, stage="done", finished_at=timezone.now()
            )
            if updated == 1:
                Stem.objects.bulk_create(
                    Stem(
                        job_id=job_id,
                        name=stem.name,
                        file=name,
                        format=stem.format,
                        size=len(stem.content),
                        duration=stem.duration,
                    )
                    for stem, name in saved
                )
                return True
    except BaseException:
        _delete_files(name for _, name in saved)
        raise
    # The job was cancelled or deleted while it ran: keep nothing of it.
    _delete_files(name for _, name in saved)
    return False


def _delete_files(names) -> None:
    for name in names:
        default_storage.delete(name)


def job_fail(*, job_id: object, reason: str, statuses: tuple[str, ...] = (Status.RUNNING,)) -> bool:
    """Mark a job failed with a reason a person understands, if it is still in `statuses`."""
    updated = Job.objects.filter(id=job_id, status__in=statuses).update(
        status=Status.FAILED, stage="failed", error=reason, finished_at=timezone.now()
    )
    return updated == 1


def job_release(*, job_id: object) -> bool:
    """Give a running job back to the queue, so a retry of its task can claim it again."""
    updated = Job.objects.filter(id=job_id, status=Status.RUNNING).update(
        status=Status.QUEUED, stage="waiting to retry", queued_at=timezone.now()
    )
    return updated == 1


def job_cancel(*, job: Job) -> Job:
    """Cancel a queued or running job; the worker notices at its next progress report."""
    updated = Job.objects.filter(id=job.id, status__in=ACTIVE).update(
        status=Status.CANCELLED, stage="cancelled", finished_at=timezone.now()
    )
    job.refresh_from_db()
    if updated == 0:
        raise JobConflict(
            f"The job has already {job.status}; only a queued or running job can be cancelled."
        )
    return job


def job_delete(*, job: Job) -> None:
    """Delete a job, its upload and its stems; a running job's worker stops at its next report."""
    folder = job_folder(job.id)
    with transaction.atomic():
        job.delete()
        transaction.on_commit(lambda: delete_tree(folder))


@dataclass(frozen=True)
class ReconcileReport:
    requeued: list
    failed: list


def jobs_reconcile(*, now: datetime | None = None) -> ReconcileReport:
    """Re-queue jobs stuck in queued or running past their heartbeat; fail them at max attempts."""
    now = now or timezone.now()
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
            reason = (
                "The worker stopped responding while separating this song "
                f"{job.attempts} times, so we gave up. Try again, or try a shorter file."
                if job.status == Status.RUNNING
                else "No worker picked this job up in time. Please try again later."
            )
            if Job.objects.filter(was, id=job.id).update(
                status=Status.FAILED, stage="failed", error=reason, finished_at=now
            ):
                failed.append(job.id)
            continue
        with transaction.atomic():
            # The conditions make sure a worker that revived in the meantime keeps its job.
            if Job.objects.filter(was, id=job.id).update(
                status=Status.QUEUED,
                stage="queued again",
                queued_at=now,
                attempts=F("attempts") + (1 if job.status == Status.QUEUED else 0),
            ):
                requeued.append(job.id)
                _enqueue_on_commit(job)
    if requeued or failed:
        log.warning("reconciler re-queued %s and failed %s", requeued, failed)
    return ReconcileReport(requeued=requeued, failed=failed)


def jobs_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the upload and stems of jobs finished more than the retention period ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.STEMWORKS_RETENTION_DAYS)
    expired = Job.objects.filter(
        status__in=FINISHED, finished_at__lt=cutoff, purged_at__isnull=True
    ).values_list("id", flat=True)
    purged = 0
    for job_id in list(expired):
        delete_tree(job_folder(job_id))
        with transaction.atomic():
            Stem.objects.filter(job_id=job_id).delete()
            purged += Job.objects.filter(id=job_id, purged_at__isnull=True).update(
                purged_at=now, input_file=""
            )
    return purged


def stem_file_name(*, stem: Stem, fmt: str) -> str:
    """Return the storage name of a stem in `fmt`, encoding (and keeping) it on first request."""
    if fmt == stem.format:
        return stem.file.name
    if fmt not in audio.OUTPUT_FORMATS:
        raise InvalidOptions(
            f"Unknown format {fmt!r}; choose one of: {', '.join(audio.OUTPUT_FORMATS)}."
        )
    name = f"{job_folder(stem.job_id)}/stems/{stem.name}.{fmt}"
    if not default_storage.exists(name):
        with stem.file.open("rb") as source:
            decoded = audio.read_audio(source)
        # 24-bit FLAC keeps what 16 bits would lose of a float stem.
        content = audio.encode_audio(decoded.samples, decoded.sample_rate, fmt, wav_depth="24")
        # Two requests may race here; the loser's copy gets another name and the winner's is used.
        name = default_storage.save(name, ContentFile(content))
    return name
