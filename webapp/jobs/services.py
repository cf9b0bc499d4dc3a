"""What a user does with jobs: create one (checks, upload, charge, queue), cancel or delete it.

The worker's side lives in `lifecycle`, the periodic care in `housekeeping`.
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from separation import catalog, isolated
from separation.errors import InvalidAudio, InvalidOptions
from webapp.accounts.selectors import email_is_verified
from webapp.billing.selectors import credits_balance
from webapp.billing.services import (
    InsufficientCredits,
    credits_account_lock,
    credits_charge,
    credits_refund,
)
from webapp.billing.wording import credits_text
from webapp.errors import ApplicationError
from webapp.jobs.errors import (
    CostAboveLimit,
    EmailNotVerified,
    InvalidPreviewStart,
    JobConflict,
    PreviewLimitReached,
    SourceGone,
)
from webapp.jobs.housekeeping import job_files_delete
from webapp.jobs.models import ACTIVE, Job, Kind, PreviewUse, SampleRate, Status
from webapp.jobs.pricing import job_cost
from webapp.jobs.selectors import preview_allowance
from workers import queue
from workers.models_available import missing_reason, model_installed


def job_create(
    *,
    owner,
    model: str,
    target: str = catalog.ALL,
    kind: str = Kind.FULL,
    upload: UploadedFile | None = None,
    source: Job | None = None,
    preview_start: float | None = None,
    sample_rate: str = SampleRate.DEFAULT,
    max_cost: int | None = None,
) -> Job:
    """Check the options, store the upload (or reuse `source`'s), charge credits and queue a job.

    `max_cost` is what the user agreed to pay (the quote they saw): a job that costs more is
    refused before anything is stored or charged. Raises SeparationError for unusable
    input, ApplicationError (field `model`) for a model this server has no weights for,
    CostAboveLimit, EmailNotVerified, PreviewLimitReached or InsufficientCredits.
    """
    catalog.output_stems(model, target)  # raises InvalidOptions with a reason
    if not model_installed(model):
        raise ApplicationError(missing_reason(model), field="model")
    if kind not in Kind.values:
        raise InvalidOptions(f"Unknown kind {kind!r}; choose one of: {', '.join(Kind.values)}.")
    if (upload is None) == (source is None):
        raise InvalidOptions("Send either a file or the id of an earlier job.")
    if source is not None:
        input_duration = job_source_duration(source=source)
        name = source.original_name
        # The same stored file: monitoring counts distinct uploads, not this copy.
        input_size = source.input_size
    else:
        if upload.size == 0:
            raise InvalidAudio("The file is empty.")
        info = isolated.probe(upload.file, max_duration=settings.STEMWORKS_MAX_DURATION_S)
        upload.seek(0)
        input_duration, name = info.duration, (upload.name or "upload")
        input_size = upload.size
    if kind == Kind.PREVIEW:
        preview_start = preview_excerpt_start(input_duration, preview_start)
    elif preview_start is not None:
        raise InvalidPreviewStart("A start time applies only to a preview.")
    duration = _job_duration(kind=kind, input_duration=input_duration, start=preview_start)
    cost = job_cost(duration=duration, kind=kind, model=model)
    if max_cost is not None and cost > max_cost:
        raise CostAboveLimit(
            f"This song costs {credits_text(cost)}, more than the {max_cost} you agreed to; "
            "nothing was charged."
        )
    if kind == Kind.FULL:
        _check_can_pay(owner=owner, cost=cost)

    stored, committed = None, False
    try:
        job = Job(
            owner=owner,
            original_name=name[:255],
            duration=duration,
            input_duration=input_duration,
            model=model,
            target=target,
            kind=kind,
            preview_start=preview_start,
            sample_rate=sample_rate,
            source_job=source,
            status=Status.QUEUED,
            stage="queued",
            cost=cost,
            queued_at=timezone.now(),
            input_size=input_size,
        )
        if source is None:
            # Stored before the transaction: on SQLite a write transaction holds the whole
            # database, which must not wait for a large file to be copied.
            job.input_file.save(name, upload, save=False)
            stored = job.input_file.name
        with transaction.atomic():
            if kind == Kind.PREVIEW:
                _check_preview_allowance(owner=owner)
            if source is not None:
                job.input_file.name = _reusable_input(source)
            job.save()
            if kind == Kind.PREVIEW:
                PreviewUse.objects.create(owner=owner, job_id=job.id)
            credits_charge(user=owner, amount=cost, reason=f"Separation of {name}"[:200], job=job)
            queue.enqueue_separation_on_commit(job_id=job.id, duration=job.duration)
        committed = True
    except BaseException:
        if stored and not committed:
            default_storage.delete(stored)
        raise
    return job


def job_source_duration(*, source: Job) -> float:
    """Return the length of an earlier job's upload; SourceGone once it was deleted."""
    if not source.input_file or source.purged_at is not None:
        raise SourceGone("The upload of that job was deleted; upload the song again.")
    return source.input_duration or _stored_duration(source)


def _reusable_input(source: Job) -> str:
    """Return the source job's upload, locking its row so retention cannot delete it now."""
    name = (
        Job.objects.select_for_update()
        .filter(id=source.id, purged_at__isnull=True)
        .values_list("input_file", flat=True)
        .first()
    )
    if not name:
        raise SourceGone("The upload of that job was deleted; upload the song again.")
    return name


def preview_excerpt_start(input_duration: float, start: float | None) -> float | None:
    """Return where a preview starts: None lets the worker pick the loudest part.

    A start too close to the end moves back, so a preview is always full length (or the
    whole song, when the song is shorter than a preview).
    """
    if start is None:
        return None
    if not 0 <= start < input_duration:
        raise InvalidPreviewStart(
            f"The preview must start between 0 and {input_duration:.1f} seconds into the song."
        )
    return max(0.0, min(start, input_duration - settings.STEMWORKS_PREVIEW_SECONDS))


def _stored_duration(job: Job) -> float:
    """Measure the length of a job's stored upload (for rows that never recorded it)."""
    with job.input_file.open("rb") as f:
        return isolated.probe(f).duration


def _job_duration(*, kind: str, input_duration: float, start: float | None) -> float:
    if kind != Kind.PREVIEW:
        return input_duration
    return min(input_duration - (start or 0.0), settings.STEMWORKS_PREVIEW_SECONDS)


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
    allowance = preview_allowance(user=owner)
    if allowance.left > 0:
        return
    if allowance.next_at is None:
        raise PreviewLimitReached("This server gives no free previews.", retry_after=24 * 3600)
    wait = max(1, int((allowance.next_at - timezone.now()).total_seconds()) + 1)
    raise PreviewLimitReached(
        f"You have used your {allowance.per_day} free previews of the last 24 hours; "
        f"the next one frees up in {_in_words(wait)}. Or run a full separation.",
        retry_after=wait,
    )


def _in_words(seconds: int) -> str:
    hours, minutes = seconds // 3600, (seconds % 3600) // 60
    if hours:
        return f"{hours} h {minutes} min"
    return f"{max(1, minutes)} min"


_OVER = {
    Status.SUCCEEDED: "has already succeeded",
    Status.FAILED: "has already failed",
    Status.CANCELLED: "was already cancelled",
}


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
            f"The job {_OVER[job.status]}; only a queued or running job can be cancelled."
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
        transaction.on_commit(lambda: job_files_delete(job_id=job_id, input_name=input_name))
