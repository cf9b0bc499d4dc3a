"""The worker's side of a job: claim it, report progress, store its stems, fail or release it.

Status changes are conditional updates (`UPDATE ... WHERE status = old`) whose row count
says whether this caller won, so two workers never run one job and a re-delivered task
for a finished job does nothing. Every claim is one attempt (a `Claim`): progress, the
heartbeat, success and failure match the attempt, so a worker that went silent, lost its
job to a new attempt and came back can change nothing.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from webapp.billing.services import credits_refund
from webapp.jobs import layout, stem_files
from webapp.jobs.models import ErrorClass, Job, Status, Stem, StemFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EncodedFile:
    """One copy of a stem the worker encoded to a local file, to be copied into storage."""

    format: str
    path: Path
    sample_rate: int


@dataclass(frozen=True)
class StemData:
    """A stem the worker encoded in every format, handed over for storing."""

    name: str
    duration: float
    sample_rate: int
    files: tuple[EncodedFile, ...]
    # Its waveform peaks as JSON (audiowaveform's format), for players to draw.
    peaks: Path | None = None


@dataclass(frozen=True)
class JobStats:
    """What a worker measured of one run of a job, saved in the update that ends the job.

    The stage times are wall seconds: reading the input, the model, encoding the stems (and
    their peaks), copying them into storage. None (or "") is "not measured": it is not saved.
    """

    worker_host: str = ""
    worker_pid: int | None = None
    device: str = ""
    decode_s: float | None = None
    separate_s: float | None = None
    encode_s: float | None = None
    store_s: float | None = None

    def as_update(self) -> dict[str, object]:
        """Return the measured figures as Job fields, for an `update()`."""
        return {name: value for name, value in asdict(self).items() if value not in (None, "")}


@dataclass(frozen=True)
class Claim:
    """One attempt at a job by one task: only its holder may report, finish or fail it."""

    job_id: object
    task_id: str
    attempt: int

    @classmethod
    def of(cls, job: Job) -> "Claim":
        """Return the claim a job row holds now."""
        return cls(job_id=job.id, task_id=job.claimed_by, attempt=job.attempts)

    def held(self) -> Q:
        """The condition on the job row that this attempt still holds it."""
        return Q(
            id=self.job_id,
            status=Status.RUNNING,
            claimed_by=self.task_id,
            attempts=self.attempt,
        )


# A claim clears what an earlier attempt recorded: the row tells of its last run only.
_NOT_MEASURED = {
    "device": "",
    "decode_s": None,
    "separate_s": None,
    "encode_s": None,
    "store_s": None,
    "error_class": "",
}


def job_claim(
    *,
    job_id: object,
    task_id: str = "",
    worker_host: str = "",
    worker_pid: int | None = None,
    now: datetime | None = None,
) -> Job | None:
    """Move a queued job to running for task `task_id`; None when another has it or it is over.

    The worker's host name and process id are recorded with the claim, for monitoring.

    A running job is taken back when its heartbeat went stale, or at once by a redelivery
    of the very task that claimed it (its worker died: nobody else is running it) while it
    has attempts left; a redelivery past the last attempt fails the job and refunds it, so
    a song that kills its worker every time cannot keep the queue busy forever.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.STEMWORKS_HEARTBEAT_TIMEOUT_S)
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=stale)
    own = Q(status=Status.RUNNING, claimed_by=task_id) if task_id else None
    if own is not None:
        claimable |= own & Q(attempts__lt=settings.STEMWORKS_MAX_ATTEMPTS)
    updated = Job.objects.filter(claimable, id=job_id).update(
        status=Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        claimed_by=task_id,
        progress=0,
        stage="starting",
        error="",
        attempts=F("attempts") + 1,
        worker_host=worker_host[:255],
        worker_pid=worker_pid,
        **_NOT_MEASURED,
    )
    if updated == 0:
        # Nothing got updated: another worker got there first, or the job is over, or
        # this task's own attempts are used up.
        if own is not None:
            _give_up(job_id=job_id, still=own, now=now)
        return None
    return Job.objects.get(id=job_id)


def worker_lost_reason(attempts: int) -> str:
    """Explain a job whose worker died (or went silent) on every attempt."""
    return (
        "The worker stopped while separating this song "
        f"{attempts} times, so we gave up. Try again, or try a shorter file."
    )


def _give_up(*, job_id: object, still: Q, now: datetime) -> None:
    reason = worker_lost_reason(settings.STEMWORKS_MAX_ATTEMPTS)
    with transaction.atomic():
        if Job.objects.filter(still, id=job_id).update(
            status=Status.FAILED,
            stage="failed",
            error=reason,
            error_class=ErrorClass.WORKER_LOST,
            finished_at=now,
        ):
            credits_refund(job_id=job_id, reason=f"Refund: the job failed. {reason}")
            folder = layout.stems_folder(job_id)
            transaction.on_commit(lambda: delete_quietly(layout.delete_tree, folder))


def job_report_progress(*, claim: Claim, progress: int, stage: str) -> bool:
    """Record progress of a claimed job; False when the claim is lost (cancelled, re-queued)."""
    updated = Job.objects.filter(claim.held()).update(
        progress=max(0, min(100, int(progress))), stage=stage[:100], heartbeat_at=timezone.now()
    )
    return updated == 1


def job_heartbeat(*, claim: Claim) -> bool:
    """Tell that a claimed job's worker is alive; False when the claim is lost."""
    return Job.objects.filter(claim.held()).update(heartbeat_at=timezone.now()) == 1


def job_record_preview_start(*, job_id: object, start: float) -> None:
    """Remember where the worker took a preview's excerpt from."""
    Job.objects.filter(id=job_id, preview_start__isnull=True).update(preview_start=start)


def job_succeed(
    *,
    claim: Claim,
    stems: Iterable[StemData],
    stats: Callable[[], JobStats] | None = None,
) -> bool:
    """Store the stems of a claimed job and mark it succeeded; False (keeping nothing) if not.

    Stems are stored one at a time as `stems` yields them (a generator may encode each one
    only when asked), each file streamed from its local path into the attempt's own folder;
    rows are made only if the claim still holds at the end. On any error or refusal the
    attempt's folder goes whole, with any file a failed write left half-written in it.
    `stats` is asked once every stem is stored (its times are complete only then), and its
    figures are saved in the update that marks the job succeeded.
    """
    rows: list[_StoredStem] = []
    updated = 0
    try:
        for stem in stems:
            files = []
            for encoded in stem.files:
                name = _store(claim, stem.name, encoded)
                files.append((encoded, name, encoded.path.stat().st_size))
            peaks = _store_peaks(claim, stem) if stem.peaks is not None else ""
            rows.append(_StoredStem(stem, files, peaks))
        measured = stats().as_update() if stats is not None else {}
        with transaction.atomic():
            updated = Job.objects.filter(claim.held()).update(
                status=Status.SUCCEEDED,
                progress=100,
                stage="done",
                finished_at=timezone.now(),
                **measured,
            )
            if updated == 1:
                _create_rows(claim.job_id, rows)
    except BaseException:
        if updated != 1:  # a job that succeeded keeps its files, whatever came after
            layout.delete_tree(layout.attempt_folder(claim.job_id, claim.attempt))
        raise
    if updated == 1:
        delete_quietly(layout.delete_other_attempts, claim.job_id, claim.attempt)
        return True
    # The job was cancelled, deleted or re-queued while this attempt ran: keep nothing.
    layout.delete_tree(layout.attempt_folder(claim.job_id, claim.attempt))
    return False


def delete_quietly(delete: Callable[..., object], *args: object) -> None:
    """Tidy storage after the fact: a failure is logged, never undoes what was done."""
    try:
        delete(*args)
    except Exception:
        log.warning("could not delete leftover files of job %s", args[0], exc_info=True)


@dataclass(frozen=True)
class _StoredStem:
    """A stem whose files are in storage: (encoded file, stored name, bytes) and its peaks."""

    data: StemData
    files: list[tuple[EncodedFile, str, int]]
    peaks: str


def _store(claim: Claim, stem: str, encoded: EncodedFile) -> str:
    """Copy one encoded file into storage in blocks (never whole in memory); return its name."""
    suffix = stem_files.stem_format(encoded.format).suffix
    name = layout.stem_name(claim.job_id, stem, suffix, claim.attempt)
    with encoded.path.open("rb") as local:
        return default_storage.save(name, File(local))


def _store_peaks(claim: Claim, stem: StemData) -> str:
    """Copy a stem's waveform peaks into storage; return their name."""
    assert stem.peaks is not None
    name = layout.stem_name(claim.job_id, stem.name, stem_files.PEAKS_SUFFIX, claim.attempt)
    with stem.peaks.open("rb") as local:
        return default_storage.save(name, File(local))


def _create_rows(job_id: object, rows: list[_StoredStem]) -> None:
    made = Stem.objects.bulk_create(
        Stem(
            job_id=job_id,
            name=row.data.name,
            duration=row.data.duration,
            sample_rate=row.data.sample_rate,
            peaks=row.peaks,
        )
        for row in rows
    )
    StemFile.objects.bulk_create(
        StemFile(
            stem=stem, format=encoded.format, file=name, size=size, sample_rate=encoded.sample_rate
        )
        for stem, row in zip(made, rows, strict=True)
        for encoded, name, size in row.files
    )


def job_fail(
    *,
    job_id: object,
    reason: str,
    error_class: str = ErrorClass.INTERNAL,
    stats: JobStats | None = None,
    statuses: tuple[str, ...] = (Status.RUNNING,),
    claim: Claim | None = None,
) -> bool:
    """Mark a job failed with a reason a person understands, if it is still in `statuses`.

    `error_class` (an ErrorClass) groups the failure for monitoring; `stats` is what the
    worker measured until it failed, saved with the failure. With a `claim`, only while
    that attempt still holds the job.
    """
    measured = stats.as_update() if stats is not None else {}
    held = claim.held() if claim is not None else Q()
    with transaction.atomic():
        updated = Job.objects.filter(held, id=job_id, status__in=statuses).update(
            status=Status.FAILED,
            stage="failed",
            error=reason,
            error_class=error_class,
            finished_at=timezone.now(),
            **measured,
        )
        if updated == 1:
            credits_refund(job_id=job_id, reason=f"Refund: the job failed. {reason}")
    return updated == 1


def job_release(*, claim: Claim) -> bool:
    """Give a claimed job back to the queue, so a retry of its task can claim it again."""
    updated = Job.objects.filter(claim.held()).update(
        status=Status.QUEUED, stage="waiting to retry", queued_at=timezone.now(), claimed_by=""
    )
    return updated == 1
