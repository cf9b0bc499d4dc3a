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
from webapp.accounts.selectors import email_is_verified
from webapp.billing.selectors import credits_balance
from webapp.billing.services import (
    InsufficientCredits,
    credits_account_lock,
    credits_charge,
    credits_refund,
)
from webapp.jobs.files import delete_tree, job_folder
from webapp.jobs.models import FINISHED, Job, Kind, PreviewUse, Status, Stem

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


class InvalidPreviewStart(InvalidOptions):
    """The asked preview start does not fit the song."""


class SourceGone(InvalidOptions):
    """The earlier job's upload no longer exists."""


class PreviewLimitReached(Exception):
    """The user has used today's free previews."""


class EmailNotVerified(Exception):
    """A paid job needs a verified e-mail address."""


def job_cost(*, duration: float, kind: str, model: str = catalog.DEFAULT_MODEL) -> int:
    """Return the credits a job costs: previews are free, full jobs pay per started minute."""
    if kind == Kind.PREVIEW:
        return 0
    per_minute = settings.STEMWORKS_MODEL_CREDITS_PER_MINUTE.get(
        model, settings.STEMWORKS_CREDITS_PER_MINUTE
    )
    return per_minute * max(1, math.ceil(duration / 60))


def job_create(
    *,
    owner,
    model: str,
    target: str = catalog.ALL,
    kind: str = Kind.FULL,
    upload: UploadedFile | None = None,
    source: Job | None = None,
    preview_start: float | None = None,
) -> Job:
    """Check the options, store the upload (or reuse `source`'s), charge credits and queue a job.

    Raises SeparationError for unusable input, EmailNotVerified, PreviewLimitReached or
    InsufficientCredits.
    """
    catalog.output_stems(model, target)  # raises InvalidOptions with a reason
    if kind not in Kind.values:
        raise InvalidOptions(f"Unknown kind {kind!r}; choose one of: {', '.join(Kind.values)}.")
    if (upload is None) == (source is None):
        raise InvalidOptions("Send either a file or the id of an earlier job.")
    if source is not None:
        if not source.input_file or source.purged_at is not None:
            raise SourceGone("The upload of that job was deleted; upload the song again.")
        input_duration = source.input_duration or _stored_duration(source)
        name = source.original_name
    else:
        if upload.size == 0:
            raise InvalidAudio("The file is empty.")
        info = audio.probe(upload.file, max_duration=settings.STEMWORKS_MAX_DURATION_S)
        upload.seek(0)
        input_duration, name = info.duration, (upload.name or "upload")
    duration = _job_duration(kind=kind, input_duration=input_duration, preview_start=preview_start)
    cost = job_cost(duration=duration, kind=kind, model=model)
    if kind == Kind.FULL:
        _check_can_pay(owner=owner, cost=cost)

    stored, committed = None, False
    try:
        with transaction.atomic():
            if kind == Kind.PREVIEW:
                _check_preview_allowance(owner=owner)
            job = Job(
                owner=owner,
                original_name=name[:255],
                duration=duration,
                input_duration=input_duration,
                model=model,
                target=target,
                kind=kind,
                preview_start=preview_start,
                source_job=source,
                status=Status.QUEUED,
                stage="queued",
                cost=cost,
                queued_at=timezone.now(),
            )
            if source is not None:
                job.input_file.name = source.input_file.name
            else:
                job.input_file.save(name, upload, save=False)
                stored = job.input_file.name
            job.save()
            if kind == Kind.PREVIEW:
                PreviewUse.objects.create(owner=owner, job_id=job.id)
            credits_charge(user=owner, amount=cost, reason=f"Separation of {name}"[:200], job=job)
            _enqueue_on_commit(job)
        committed = True
    except BaseException:
        if stored and not committed:
            default_storage.delete(stored)
        raise
    return job


def _stored_duration(job: Job) -> float:
    """Measure the length of a job's stored upload (for rows that never recorded it)."""
    with job.input_file.open("rb") as f:
        return audio.probe(f).duration


def _job_duration(*, kind: str, input_duration: float, preview_start: float | None) -> float:
    if preview_start is None:
        return (
            min(input_duration, settings.STEMWORKS_PREVIEW_SECONDS)
            if kind == Kind.PREVIEW
            else input_duration
        )
    if kind != Kind.PREVIEW:
        raise InvalidPreviewStart("A start time applies only to a preview.")
    if not 0 <= preview_start < input_duration:
        raise InvalidPreviewStart(
            f"The preview must start between 0 and {input_duration:.1f} seconds into the song."
        )
    return min(input_duration - preview_start, settings.STEMWORKS_PREVIEW_SECONDS)


def _check_can_pay(*, owner, cost: int) -> None:
    if settings.STEMWORKS_REQUIRE_VERIFIED_EMAIL and not email_is_verified(user=owner):
        raise EmailNotVerified(
            "Verify your e-mail address before your first paid job: "
            "follow the link we sent you, or ask for a new one."
        )
    # A quick look before storing the upload; the charge itself checks again under a lock.
    balance = credits_balance(user=owner)
    if balance < cost:
        raise InsufficientCredits(required=cost, balance=balance)


def _check_preview_allowance(*, owner) -> None:
    # Under the user's credits lock, so parallel requests cannot slip past the limit together.
    credits_account_lock(user=owner)
    since = timezone.now() - timedelta(days=1)
    used = PreviewUse.objects.filter(owner=owner, created_at__gte=since).count()
    if used >= settings.STEMWORKS_PREVIEWS_PER_DAY:
        raise PreviewLimitReached(
            f"You have used your {settings.STEMWORKS_PREVIEWS_PER_DAY} free previews of the "
            "last 24 hours. Try again later, or run a full separation."
        )


def _enqueue_on_commit(job: Job) -> None:
    from workers.queue import enqueue_separation

    job_id, duration = job.id, job.duration
    # robust: a broker outage must not undo a committed, charged job (nor abort the
    # reconciler's loop); the error is logged and the reconciler sends the job again.
    transaction.on_commit(lambda: enqueue_separation(job_id=job_id, duration=duration), robust=True)


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
    with transaction.atomic():
        updated = Job.objects.filter(id=job_id, status__in=statuses).update(
            status=Status.FAILED, stage="failed", error=reason, finished_at=timezone.now()
        )
        if updated == 1:
            credits_refund(job_id=job_id, reason=f"Refund: the job failed. {reason}")
    return updated == 1


def job_record_preview_start(*, job_id: object, start: float) -> None:
    """Remember where the worker took a preview's excerpt from."""
    Job.objects.filter(id=job_id, preview_start__isnull=True).update(preview_start=start)


def job_release(*, job_id: object) -> bool:
    """Give a running job back to the queue, so a retry of its task can claim it again."""
    updated = Job.objects.filter(id=job_id, status=Status.RUNNING).update(
        status=Status.QUEUED, stage="waiting to retry", queued_at=timezone.now()
    )
    return updated == 1


def job_cancel(*, job: Job) -> Job:
    """Cancel a queued or running job; the worker notices at its next progress report."""
    with transaction.atomic():
        updated = Job.objects.filter(id=job.id, status__in=ACTIVE).update(
            status=Status.CANCELLED, stage="cancelled", finished_at=timezone.now()
        )
        if updated == 1:
            # A cancelled job keeps no stems, so it costs nothing.
            credits_refund(job_id=job.id, reason="Refund: the job was cancelled.")
    job.refresh_from_db()
    if updated == 0:
        raise JobConflict(
            f"The job has already {job.status}; only a queued or running job can be cancelled."
        )
    return job


def job_delete(*, job: Job) -> None:
    """Delete a job, its upload and its stems; a running job's worker stops at its next report."""
    job_id, input_name = job.id, job.input_file.name
    with transaction.atomic():
        # A conditional update, as in job_cancel: a worker finishing the job at this very
        # moment either wins (no refund) or loses (its stems are refused).
        stopped = Job.objects.filter(id=job_id, status__in=ACTIVE).update(
            status=Status.CANCELLED, stage="cancelled", finished_at=timezone.now()
        )
        if stopped:
            credits_refund(job_id=job_id, reason="Refund: the job was deleted before it finished.")
        job.delete()
        transaction.on_commit(lambda: _delete_job_files(job_id=job_id, input_name=input_name))


def _delete_job_files(*, job_id: object, input_name: str) -> None:
    """Delete a job's folder, keeping an input file that another job still uses."""
    folder = job_folder(job_id)
    in_folder = input_name.startswith(f"{folder}/")
    shared = bool(input_name) and (
        Job.objects.filter(input_file=input_name).exclude(id=job_id).exists()
    )
    delete_tree(f"{folder}/stems" if shared and in_folder else folder)
    if input_name and not in_folder and not shared:
        default_storage.delete(input_name)


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
            with transaction.atomic():
                if Job.objects.filter(was, id=job.id).update(
                    status=Status.FAILED, stage="failed", error=reason, finished_at=now
                ):
                    credits_refund(job_id=job.id, reason=f"Refund: the job failed. {reason}")
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
    ).values_list("id", "input_file")
    purged = 0
    for job_id, input_name in list(expired):
        _delete_job_files(job_id=job_id, input_name=input_name)
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
