"""Every figure staff monitoring shows, on the page and in /metrics: one module, tested with rows.

Sections: now (broker, queues, workers, running jobs), a window of time (throughput,
outcomes, failures, waits, speed), money, feedback and storage.
"""

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber, TruncDate, TruncHour
from django.utils import timezone

from webapp.billing.models import SETTLED, CreditTransaction, Payment, TransactionKind
from webapp.feedback.models import JobFeedback, StemFeedback
from webapp.jobs.housekeeping import purge_due
from webapp.jobs.models import FINISHED, Job, Kind, PreviewUse, Status, StemFile
from webapp.monitoring import broker

# --- A window of time: outcomes, throughput, failures, waits and speed -------------------

# The error class of failures recorded before the worker classified them.
UNCLASSIFIED = "unclassified"


def _finished_in(now: datetime, window: timedelta) -> Q:
    # A window holds what happened after its start, up to and including `now`.
    return Q(finished_at__gt=now - window, finished_at__lte=now)


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Return the `fraction` (0..1) percentile of `values`, interpolated linearly; None if empty.

    Linear between the two nearest ranks, as numpy's default and PostgreSQL's percentile_cont:
    the median of 1, 2, 3, 4 is 2.5.
    """
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Outcomes:
    succeeded: int
    failed: int
    cancelled: int
    total: int
    # Shares of `total` (0..1); None when no job finished in the window.
    success_rate: float | None
    failure_rate: float | None
    cancel_rate: float | None


def window_outcomes(now: datetime, window: timedelta) -> Outcomes:
    """Count the jobs that finished in the window, by how they ended (one query)."""
    counts = Job.objects.filter(_finished_in(now, window), status__in=FINISHED).aggregate(
        succeeded=Count("id", filter=Q(status=Status.SUCCEEDED)),
        failed=Count("id", filter=Q(status=Status.FAILED)),
        cancelled=Count("id", filter=Q(status=Status.CANCELLED)),
    )
    total = counts["succeeded"] + counts["failed"] + counts["cancelled"]
    return Outcomes(
        succeeded=counts["succeeded"],
        failed=counts["failed"],
        cancelled=counts["cancelled"],
        total=total,
        success_rate=_ratio(counts["succeeded"], total),
        failure_rate=_ratio(counts["failed"], total),
        cancel_rate=_ratio(counts["cancelled"], total),
    )


@dataclass(frozen=True)
class HourCount:
    hour: datetime  # the start of the hour, in the current time zone
    jobs: int


@dataclass(frozen=True)
class Throughput:
    # Every hour the window touches, oldest first, empty ones too; the first and last are
    # partial unless the window starts and ends on the hour. Their sum is Outcomes.total.
    hours: tuple[HourCount, ...]
    peak: int  # the largest count, for a chart's scale


def _hour_of(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def window_throughput(now: datetime, window: timedelta) -> Throughput:
    """Count the jobs finished in the window per clock hour, for a chart (one query)."""
    rows = (
        Job.objects.filter(_finished_in(now, window), status__in=FINISHED)
        .annotate(hour=TruncHour("finished_at"))
        .values("hour")
        .annotate(jobs=Count("id"))
        .values_list("hour", "jobs")
    )
    counts = dict(rows)
    hours, hour = [], _hour_of(now - window)
    while hour <= now:
        hours.append(HourCount(hour=hour, jobs=counts.get(hour, 0)))
        # Stepping in UTC keeps every hour once across a daylight-saving change.
        hour = timezone.localtime(hour + timedelta(hours=1))
    return Throughput(hours=tuple(hours), peak=max((h.jobs for h in hours), default=0))


@dataclass(frozen=True)
class FailureExample:
    job_id: uuid.UUID
    error: str
    finished_at: datetime


@dataclass(frozen=True)
class FailureMessage:
    error: str
    count: int


@dataclass(frozen=True)
class FailureGroup:
    error_class: str  # one of Job's error classes, or UNCLASSIFIED
    count: int
    examples: tuple[FailureExample, ...]  # the latest first
    messages: tuple[FailureMessage, ...]  # the commonest error texts first, at most 5


def window_failures(now: datetime, window: timedelta, examples: int = 3) -> list[FailureGroup]:
    """Group the jobs that failed in the window by error class, the commonest first.

    Two queries: the counts per class and text, and the latest `examples` of each class.
    """
    failed = Job.objects.filter(_finished_in(now, window), status=Status.FAILED)
    by_text = failed.values_list("error_class", "error").annotate(n=Count("id")).order_by()
    messages: dict[str, list[FailureMessage]] = {}
    for error_class, error, n in by_text:
        messages.setdefault(error_class or UNCLASSIFIED, []).append(FailureMessage(error, n))
    latest = (
        failed.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("error_class")],
                order_by=[F("finished_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=examples)
        .order_by("-finished_at", "-id")
        .values_list("error_class", "id", "error", "finished_at")
    )
    shown: dict[str, list[FailureExample]] = {}
    for error_class, job_id, error, finished_at in latest:
        shown.setdefault(error_class or UNCLASSIFIED, []).append(
            FailureExample(job_id=job_id, error=error, finished_at=finished_at)
        )
    groups = [
        FailureGroup(
            error_class=error_class,
            count=sum(m.count for m in texts),
            examples=tuple(shown.get(error_class, ())),
            messages=tuple(sorted(texts, key=lambda m: (-m.count, m.error))[:5]),
        )
        for error_class, texts in messages.items()
    ]
    return sorted(groups, key=lambda g: (-g.count, g.error_class))


@dataclass(frozen=True)
class Timings:
    # Queue wait (started_at - queued_at) of the jobs that started in the window, whatever
    # became of them; None when there were none.
    waited: int
    wait_median_s: float | None
    wait_p95_s: float | None
    # Processing (finished_at - started_at) of the jobs that succeeded in the window.
    processed: int
    processing_median_s: float | None
    processing_p95_s: float | None


def window_timings(now: datetime, window: timedelta) -> Timings:
    """Return the median and 95th percentile (linear) of queue waits and processing times.

    Two queries of two timestamps per job; the percentiles are taken in Python, so SQLite
    and PostgreSQL agree.
    """
    started = Job.objects.filter(
        started_at__gt=now - window, started_at__lte=now, queued_at__isnull=False
    ).values_list("queued_at", "started_at")
    waits = [(start - queued).total_seconds() for queued, start in started]
    succeeded = Job.objects.filter(
        _finished_in(now, window), status=Status.SUCCEEDED, started_at__isnull=False
    ).values_list("started_at", "finished_at")
    runs = [(end - start).total_seconds() for start, end in succeeded]
    return Timings(
        waited=len(waits),
        wait_median_s=percentile(waits, 0.5),
        wait_p95_s=percentile(waits, 0.95),
        processed=len(runs),
        processing_median_s=percentile(runs, 0.5),
        processing_p95_s=percentile(runs, 0.95),
    )


@dataclass(frozen=True)
class Speed:
    model: str
    device: str  # "cpu", "cuda:0", ...; "" for jobs run before workers recorded it
    jobs: int
    audio_s: float  # seconds of audio separated
    processing_s: float  # wall seconds from start to finish, summed
    # audio_s / processing_s: a long song weighs more than a short one; None at 0 s.
    speed: float | None
    # Where the time goes: the median job's seconds per stage (None where none recorded).
    decode_s: float | None = None
    separate_s: float | None = None
    encode_s: float | None = None
    store_s: float | None = None


STAGES = ("decode_s", "separate_s", "encode_s", "store_s")


def window_speed(now: datetime, window: timedelta) -> list[Speed]:
    """Return the processing speed (audio s per wall s) of jobs that succeeded in the window,
    per model and device, with each stage's median time (two queries)."""
    succeeded = Job.objects.filter(
        _finished_in(now, window), status=Status.SUCCEEDED, started_at__isnull=False
    )
    stages: dict[tuple[str, str], list[tuple[float | None, ...]]] = {}
    for model, device, *times in succeeded.values_list("model", "device", *STAGES):
        stages.setdefault((model, device or ""), []).append(tuple(times))
    rows = (
        succeeded.values_list("model", "device")
        .annotate(
            jobs=Count("id"),
            audio=Sum("duration"),
            wall=Sum(
                ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
            ),
        )
        .order_by("model", "device")
    )
    speeds = []
    for model, device, jobs, audio, wall in rows:
        processing_s = wall.total_seconds()
        speeds.append(
            Speed(
                model=model,
                device=device or "",
                jobs=jobs,
                audio_s=audio,
                processing_s=processing_s,
                speed=_ratio(audio, processing_s),
                **_stage_medians(stages.get((model, device or ""), [])),
            )
        )
    return speeds


def _stage_medians(jobs: list[tuple[float | None, ...]]) -> dict[str, float | None]:
    columns = zip(*jobs, strict=True) if jobs else [() for _ in STAGES]
    return {
        stage: percentile([t for t in column if t is not None], 0.5)
        for stage, column in zip(STAGES, columns, strict=True)
    }


# --- Money -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayMoney:
    day: date  # in the current time zone
    credits_sold: int  # credits of the payments paid that day
    revenue: dict[str, int]  # minor units (cents) per currency code
    charged: int  # credits charged for jobs (a positive number)
    refunded: int  # credits given back for failed or cancelled jobs
    previews: int  # free previews taken


@dataclass(frozen=True)
class Money:
    days: tuple[DayMoney, ...]  # oldest first, every day present
    credits_sold: int
    revenue: dict[str, int]
    charged: int
    refunded: int
    previews: int
    # Preview jobs created in these days, and those whose upload later became a full job
    # (a full job with this preview as its source_job); conversion = converted / created.
    previews_created: int
    previews_converted: int
    conversion: float | None


def money(now: datetime, days: int = 14) -> Money:
    """Return credits sold, revenue, charges, refunds and previews per day, today included.

    Four queries: payments, the ledger, previews taken and preview conversion.
    """
    today = timezone.localdate(now)
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    # A sale refunded or disputed later still happened the day it was paid; revenue is net
    # of what was refunded (clawbacks show in the ledger).
    sold = (
        Payment.objects.filter(status__in=SETTLED, paid_at__gte=start, paid_at__lte=now)
        .values_list(TruncDate("paid_at"), "currency")
        .annotate(credits=Sum("credits"), amount=Sum(F("amount") - F("amount_refunded")))
        .order_by()
    )
    ledger = (
        CreditTransaction.objects.filter(
            kind__in=[TransactionKind.CHARGE, TransactionKind.REFUND],
            created_at__gte=start,
            created_at__lte=now,
        )
        .values_list(TruncDate("created_at"), "kind")
        .annotate(credits=Sum("amount"))
        .order_by()
    )
    taken = dict(
        PreviewUse.objects.filter(created_at__gte=start, created_at__lte=now)
        .values_list(TruncDate("created_at"))
        .annotate(n=Count("id"))
        .order_by()
    )
    credits: dict[date, int] = {}
    revenue: dict[date, dict[str, int]] = {}
    for day, currency, n, amount in sold:
        credits[day] = credits.get(day, 0) + n
        revenue.setdefault(day, {})[currency] = amount
    moved = {(day, kind): total for day, kind, total in ledger}
    per_day = tuple(
        DayMoney(
            day=day,
            credits_sold=credits.get(day, 0),
            revenue=revenue.get(day, {}),
            charged=-moved.get((day, TransactionKind.CHARGE), 0),
            refunded=moved.get((day, TransactionKind.REFUND), 0),
            previews=taken.get(day, 0),
        )
        for day in (first + timedelta(days=i) for i in range(days))
    )
    conversion = Job.objects.filter(
        kind=Kind.PREVIEW, created_at__gte=start, created_at__lte=now
    ).aggregate(
        created=Count("id", distinct=True),
        converted=Count("id", filter=Q(derived_jobs__kind=Kind.FULL), distinct=True),
    )
    total_revenue: dict[str, int] = {}
    for day_money in per_day:
        for currency, amount in day_money.revenue.items():
            total_revenue[currency] = total_revenue.get(currency, 0) + amount
    return Money(
        days=per_day,
        credits_sold=sum(d.credits_sold for d in per_day),
        revenue=total_revenue,
        charged=sum(d.charged for d in per_day),
        refunded=sum(d.refunded for d in per_day),
        previews=sum(d.previews for d in per_day),
        previews_created=conversion["created"],
        previews_converted=conversion["converted"],
        conversion=_ratio(conversion["converted"], conversion["created"]),
    )


# --- Feedback --------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelRating:
    model: str
    ratings: int
    average: float


@dataclass(frozen=True)
class StemThumbs:
    stem: str
    up: int
    down: int


@dataclass(frozen=True)
class Comment:
    job_id: uuid.UUID
    model: str
    rating: int
    comment: str
    user: str  # the username
    at: datetime  # when the feedback was last changed


@dataclass(frozen=True)
class Feedback:
    models: tuple[ModelRating, ...]  # by model name
    stems: tuple[StemThumbs, ...]  # by stem name
    comments: tuple[Comment, ...]  # the latest first


def feedback(now: datetime, window: timedelta, comments: int = 5) -> Feedback:
    """Return ratings per model, thumbs per stem and the latest comments of feedback given
    (or last changed) in the window: three queries."""
    given = JobFeedback.objects.filter(updated_at__gt=now - window, updated_at__lte=now)
    ratings = (
        given.values_list("job__model")
        .annotate(n=Count("id"), average=Avg("rating"))
        .order_by("job__model")
    )
    thumbs = (
        StemFeedback.objects.filter(feedback__in=given)
        .values_list("stem")
        .annotate(
            up=Count("id", filter=Q(thumbs_up=True)), down=Count("id", filter=Q(thumbs_up=False))
        )
        .order_by("stem")
    )
    latest = (
        given.exclude(comment="")
        .order_by("-updated_at", "-id")
        .values_list("job_id", "job__model", "rating", "comment", "user__username", "updated_at")
    )[:comments]
    return Feedback(
        models=tuple(ModelRating(model=m, ratings=n, average=avg) for m, n, avg in ratings),
        stems=tuple(StemThumbs(stem=s, up=up, down=down) for s, up, down in thumbs),
        comments=tuple(
            Comment(job_id=j, model=m, rating=r, comment=c, user=u, at=at)
            for j, m, r, c, u, at in latest
        ),
    )


# --- Storage ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Storage:
    # Stored uploads, each file once however many jobs share it. Jobs made before sizes
    # were recorded add to upload_files and uploads_unsized, not to upload_bytes.
    upload_files: int
    upload_bytes: int
    uploads_unsized: int
    # Stem copies (WAV, FLAC, MP3, listen); waveform peaks are small and not counted.
    stem_files: int
    stem_bytes: int
    # What the next retention run deletes: these jobs' stems, and the uploads no other
    # job still uses.
    retention_days: int
    expiring_jobs: int
    expiring_upload_bytes: int
    expiring_stem_bytes: int

    @property
    def expiring_bytes(self) -> int:
        return self.expiring_upload_bytes + self.expiring_stem_bytes


def storage(now: datetime) -> Storage:
    """Return the bytes held in uploads and stems, and what retention deletes next (3 queries)."""
    due = purge_due(now=now)
    uploads = (
        Job.objects.filter(purged_at__isnull=True)
        .exclude(input_file="")
        .values("input_file")
        .annotate(size=Max("input_size"), users=Count("id"), due=Count("id", filter=due))
        .order_by()
        .aggregate(
            files=Count("input_file"),
            bytes=Coalesce(Sum("size"), 0),
            unsized=Count("input_file", filter=Q(size__isnull=True)),
            # Purging keeps an upload another job still uses: only the last user frees it.
            freed=Coalesce(Sum("size", filter=Q(users=F("due"))), 0),
        )
    )
    stems = StemFile.objects.aggregate(
        files=Count("id"),
        bytes=Coalesce(Sum("size"), 0),
        due=Coalesce(Sum("size", filter=Q(stem__job__in=Job.objects.filter(due))), 0),
    )
    return Storage(
        upload_files=uploads["files"],
        upload_bytes=uploads["bytes"],
        uploads_unsized=uploads["unsized"],
        stem_files=stems["files"],
        stem_bytes=stems["bytes"],
        retention_days=settings.STEMWORKS_RETENTION_DAYS,
        expiring_jobs=Job.objects.filter(due).count(),
        expiring_upload_bytes=uploads["freed"],
        expiring_stem_bytes=stems["due"],
    )


# --- Now: broker, queues, workers and running jobs; totals for /metrics ----------------


@dataclass(frozen=True)
class NowJob:
    """A running job as its row tells it, and the worker whose inspection lists its task."""

    id: uuid.UUID
    name: str  # the upload's file name
    owner: str  # the owner's username
    model: str
    kind: str  # "preview" or "full"
    progress: int  # 0..100
    stage: str
    started_at: datetime | None
    task_id: str  # the Celery task that claimed it (Job.claimed_by)
    worker: str  # the worker running task_id; "" when no worker answered that it does


@dataclass(frozen=True)
class NowWorker:
    name: str  # Celery's host name, e.g. "celery@gpu-1"
    queues: tuple[str, ...]
    concurrency: int | None  # pool processes; None when the worker did not say
    device: str  # "cpu", "cuda:0", ...; "unknown" for a worker without the command
    jobs: tuple[NowJob, ...]  # the running jobs whose task this worker is executing
    other_tasks: int  # active tasks that are no running job (housekeeping)


@dataclass(frozen=True)
class NowState:
    at: datetime
    broker_reachable: bool
    broker_error: str  # why the broker could not be asked; "" when it answered
    queue_depths: dict[str, int] | None  # messages waiting per queue; None when unreachable
    queued_jobs: int  # rows with status queued
    oldest_queued_at: datetime | None
    oldest_queued_age_s: float | None  # now - oldest_queued_at; None when nothing waits
    workers: tuple[NowWorker, ...]  # by name; () when unreachable or none online
    running_jobs: tuple[NowJob, ...]  # rows with status running, the longest running first


def now_state(now: datetime) -> NowState:
    """Return the broker's queues and workers with the queued and running job rows.

    The broker is asked with short timeouts (about a second with Redis); when it cannot be
    reached, it says so at once and the rows are still counted.
    """
    live = broker.broker_state()
    waiting = Job.objects.filter(status=Status.QUEUED).aggregate(
        n=Count("id"), oldest=Min(Coalesce("queued_at", "created_at"))
    )
    running = now_running_jobs(live.workers)
    job_tasks = {job.task_id for job in running}
    workers = tuple(
        NowWorker(
            name=report.name,
            queues=report.queues,
            concurrency=report.concurrency,
            device=report.device,
            jobs=tuple(job for job in running if job.worker == report.name),
            other_tasks=sum(1 for task_id in report.task_ids if task_id not in job_tasks),
        )
        for report in live.workers
    )
    oldest = waiting["oldest"]
    return NowState(
        at=now,
        broker_reachable=live.reachable,
        broker_error=live.error,
        queue_depths=live.depths,
        queued_jobs=waiting["n"],
        oldest_queued_at=oldest,
        oldest_queued_age_s=max((now - oldest).total_seconds(), 0.0) if oldest else None,
        workers=workers,
        running_jobs=running,
    )


def now_running_jobs(workers: Sequence[broker.WorkerReport] = ()) -> tuple[NowJob, ...]:
    """Return the running jobs, each with the worker whose active tasks include its claim."""
    runs_on = {task_id: report.name for report in workers for task_id in report.task_ids}
    rows = (
        Job.objects.filter(status=Status.RUNNING)
        .select_related("owner")
        .order_by(F("started_at").asc(nulls_first=True), "id")
    )
    return tuple(
        NowJob(
            id=job.id,
            name=job.original_name,
            owner=job.owner.get_username(),
            model=job.model,
            kind=job.kind,
            progress=job.progress,
            stage=job.stage,
            started_at=job.started_at,
            task_id=job.claimed_by,
            worker=runs_on.get(job.claimed_by, "") if job.claimed_by else "",
        )
        for job in rows
    )


def now_jobs_by_status() -> dict[str, int]:
    """Count every job row by status, each status present (zero too)."""
    counts = dict(Job.objects.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Status.values}


# Upper bounds (seconds) of the processing-time histogram; a 10-minute song on a CPU takes
# minutes, on a GPU seconds.
PROCESSING_BUCKETS_S = (5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)
# The device of jobs run before workers recorded it.
UNKNOWN_DEVICE = "unknown"


@dataclass(frozen=True)
class NowProcessing:
    """The processing times (finished_at - started_at) of succeeded jobs of one model and device."""

    model: str
    device: str  # UNKNOWN_DEVICE for jobs run before workers recorded it
    # (upper bound in seconds, jobs that took at most that), cumulative, as Prometheus wants.
    buckets: tuple[tuple[float, int], ...]
    count: int
    sum_s: float


def now_processing(buckets: Sequence[float] = PROCESSING_BUCKETS_S) -> list[NowProcessing]:
    """Return the processing-time histogram of every succeeded job per model and device.

    One query: the buckets are counted in the database, not by loading each job.
    """
    took = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    per_bucket = {
        f"le_{i}": Count("id", filter=Q(took__lte=timedelta(seconds=bound)))
        for i, bound in enumerate(buckets)
    }
    rows = (
        Job.objects.filter(
            status=Status.SUCCEEDED, started_at__isnull=False, finished_at__isnull=False
        )
        .annotate(
            took=took,
            on=Case(When(device="", then=Value(UNKNOWN_DEVICE)), default=F("device")),
        )
        .values("model", "on")
        .annotate(count=Count("id"), total=Sum("took"), **per_bucket)
        .order_by("model", "on")
    )
    return [
        NowProcessing(
            model=row["model"],
            device=row["on"],
            buckets=tuple((bound, row[f"le_{i}"]) for i, bound in enumerate(buckets)),
            count=row["count"],
            sum_s=row["total"].total_seconds(),
        )
        for row in rows
    ]


def now_failures_by_class() -> dict[str, int]:
    """Count every failed job by error class (UNCLASSIFIED for those recorded without one)."""
    counts: dict[str, int] = {}
    failed = Job.objects.filter(status=Status.FAILED)
    for error_class, n in failed.values_list("error_class").annotate(n=Count("id")).order_by():
        key = error_class or UNCLASSIFIED
        counts[key] = counts.get(key, 0) + n
    return counts


def now_credits_sold() -> int:
    """Return the credits of every payment ever paid (refunded or disputed later too).

    It is a Prometheus counter: a refund must not make it go down.
    """
    paid = Payment.objects.filter(status__in=SETTLED).aggregate(n=Sum("credits"))
    return paid["n"] or 0
