"""Monitoring figures of a window, money, feedback and storage, checked against known rows."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import (
    JobFactory,
    JobFeedbackFactory,
    PaymentFactory,
    StemFactory,
    StemFileFactory,
    UserFactory,
)
from webapp.billing.models import CreditTransaction
from webapp.feedback.models import JobFeedback
from webapp.jobs import housekeeping
from webapp.jobs.models import Job, PreviewUse, Status
from webapp.monitoring import selectors
from webapp.monitoring.selectors import (
    Comment,
    FailureExample,
    FailureMessage,
    HourCount,
    ModelRating,
    Speed,
    StemThumbs,
)

# Long before the tests run: rows the fixtures make "now" fall after every window.
NOW = datetime(2024, 3, 10, 12, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)

pytestmark = pytest.mark.django_db


def finished(status=Status.SUCCEEDED, *, at=NOW - HOUR, ran=60.0, waited=5.0, **fields) -> Job:
    """Return a job that waited `waited` s, ran `ran` s and ended at `at`."""
    started = at - timedelta(seconds=ran)
    return JobFactory(
        status=status,
        queued_at=started - timedelta(seconds=waited),
        started_at=started,
        finished_at=at,
        **fields,
    )


def pinned(row, **moments) -> None:
    """Set timestamps that Django fills in itself (auto_now and auto_now_add)."""
    type(row).objects.filter(pk=row.pk).update(**moments)


def ledger(user, kind: str, amount: int, at: datetime) -> None:
    entry = CreditTransaction.objects.create(
        user=user, kind=kind, amount=amount, balance_after=0, reason="test"
    )
    pinned(entry, created_at=at)


def test_percentiles_interpolate_between_the_nearest_ranks():
    one_to_twenty = [float(n) for n in range(20, 0, -1)]

    assert selectors.percentile(one_to_twenty, 0.5) == pytest.approx(10.5)
    assert selectors.percentile(one_to_twenty, 0.95) == pytest.approx(19.05)
    assert selectors.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == pytest.approx(2.5)
    assert selectors.percentile([7.0], 0.95) == 7.0
    assert selectors.percentile([], 0.5) is None


def test_outcomes_count_the_jobs_that_ended_in_the_window_and_their_shares():
    for _ in range(3):
        finished(Status.SUCCEEDED)
    finished(Status.FAILED, at=NOW)
    finished(Status.CANCELLED, at=NOW - DAY + timedelta(seconds=1))
    finished(Status.SUCCEEDED, at=NOW - DAY)  # exactly a day old: outside
    finished(Status.FAILED, at=NOW + timedelta(seconds=1))  # after now
    JobFactory(status=Status.RUNNING, started_at=NOW - HOUR)

    outcomes = selectors.window_outcomes(NOW, DAY)

    assert (outcomes.succeeded, outcomes.failed, outcomes.cancelled, outcomes.total) == (3, 1, 1, 5)
    assert outcomes.success_rate == pytest.approx(0.6)
    assert outcomes.failure_rate == pytest.approx(0.2)
    assert outcomes.cancel_rate == pytest.approx(0.2)


def test_outcomes_of_an_empty_window_have_no_rates():
    finished(at=NOW - 2 * HOUR)

    outcomes = selectors.window_outcomes(NOW, HOUR)

    assert outcomes.total == 0
    assert (outcomes.success_rate, outcomes.failure_rate, outcomes.cancel_rate) == (None,) * 3


def test_throughput_has_every_clock_hour_of_the_window_empty_ones_too():
    at = datetime(2024, 3, 10, tzinfo=UTC)
    finished(at=at.replace(hour=9, minute=45))
    finished(Status.FAILED, at=at.replace(hour=9, minute=50))
    finished(at=at.replace(hour=11))
    finished(Status.CANCELLED, at=at.replace(hour=12, minute=29))
    finished(at=at.replace(hour=9, minute=29))  # before the window's start at 9:30

    throughput = selectors.window_throughput(NOW, 3 * HOUR)

    assert throughput.hours == (
        HourCount(hour=at.replace(hour=9), jobs=2),
        HourCount(hour=at.replace(hour=10), jobs=0),
        HourCount(hour=at.replace(hour=11), jobs=1),
        HourCount(hour=at.replace(hour=12), jobs=1),
    )
    assert throughput.peak == 2
    assert sum(h.jobs for h in throughput.hours) == selectors.window_outcomes(NOW, 3 * HOUR).total


def test_a_week_is_169_clock_hours_the_first_and_last_partial():
    hours = selectors.window_throughput(NOW, 7 * DAY).hours

    assert len(hours) == 169
    assert hours[0].hour == NOW.replace(minute=0) - 7 * DAY
    assert hours[-1].hour == NOW.replace(minute=0)
    assert {h.jobs for h in hours} == {0}


def test_failures_are_grouped_by_class_with_their_commonest_texts_and_latest_examples():
    oom = "The model ran out of memory."
    slow = "The job took too long."
    a = finished(Status.FAILED, at=NOW - 3 * HOUR, error_class="time_limit", error=slow)
    b = finished(Status.FAILED, at=NOW - 2 * HOUR, error_class="time_limit", error=slow)
    c = finished(Status.FAILED, at=NOW - 1 * HOUR, error_class="time_limit", error="Killed.")
    d = finished(Status.FAILED, at=NOW - HOUR, error_class="out_of_memory", error=oom)
    e = finished(Status.FAILED, at=NOW - HOUR, error_class="", error="Old failure.")
    finished(Status.FAILED, at=NOW - 2 * DAY, error_class="out_of_memory", error=oom)
    finished(Status.SUCCEEDED, at=NOW - HOUR)

    groups = selectors.window_failures(NOW, DAY, examples=2)

    assert [(g.error_class, g.count) for g in groups] == [
        ("time_limit", 3),
        ("out_of_memory", 1),
        ("unclassified", 1),
    ]
    time_limit, out_of_memory, unclassified = groups
    assert time_limit.messages == (FailureMessage(slow, 2), FailureMessage("Killed.", 1))
    assert time_limit.examples == (
        FailureExample(job_id=c.id, error="Killed.", finished_at=c.finished_at),
        FailureExample(job_id=b.id, error=slow, finished_at=b.finished_at),
    )
    assert a.id not in {example.job_id for example in time_limit.examples}
    assert out_of_memory.examples == (FailureExample(d.id, oom, d.finished_at),)
    assert unclassified.examples == (FailureExample(e.id, "Old failure.", e.finished_at),)


def test_timings_take_waits_of_started_jobs_and_processing_of_succeeded_ones():
    # Waits of 1..20 s; processing of 10..180 s for the 18 that succeeded.
    for n in range(1, 19):
        finished(at=NOW - HOUR, waited=n, ran=10.0 * n)
    finished(Status.FAILED, at=NOW - HOUR, waited=19, ran=5000)
    JobFactory(status=Status.RUNNING, queued_at=NOW - 80 * SECOND, started_at=NOW - 60 * SECOND)
    finished(at=NOW - 2 * DAY, waited=900, ran=900)  # started before the window

    timings = selectors.window_timings(NOW, DAY)

    assert timings.waited == 20
    assert timings.wait_median_s == pytest.approx(10.5)
    assert timings.wait_p95_s == pytest.approx(19.05)
    assert timings.processed == 18
    assert timings.processing_median_s == pytest.approx(95.0)
    assert timings.processing_p95_s == pytest.approx(171.5)


def test_timings_of_an_empty_window_are_none():
    timings = selectors.window_timings(NOW, HOUR)

    assert (timings.waited, timings.processed) == (0, 0)
    assert timings.wait_median_s is None and timings.processing_p95_s is None


def test_speed_is_audio_seconds_per_wall_second_per_model_and_device():
    finished(model="demucs", device="cpu", duration=60.0, ran=30.0)
    finished(model="demucs", device="cpu", duration=30.0, ran=30.0)
    finished(model="demucs", device="cuda:0", duration=120.0, ran=10.0)
    finished(model="unet-2stems", device="", duration=10.0, ran=4.0)
    finished(Status.FAILED, model="demucs", device="cpu", duration=600.0, ran=1.0)
    finished(model="demucs", device="cpu", duration=600.0, ran=1.0, at=NOW - 2 * DAY)

    speeds = selectors.window_speed(NOW, DAY)

    assert speeds == [
        Speed("demucs", "cpu", jobs=2, audio_s=90.0, processing_s=60.0, speed=1.5),
        Speed("demucs", "cuda:0", jobs=1, audio_s=120.0, processing_s=10.0, speed=12.0),
        Speed("unet-2stems", "", jobs=1, audio_s=10.0, processing_s=4.0, speed=2.5),
    ]


def test_speed_shows_each_stages_median_where_workers_recorded_it():
    for decode, model in ((1.0, 10.0), (3.0, 30.0), (2.0, 20.0)):
        finished(model="demucs", device="cpu", decode_s=decode, separate_s=model, encode_s=4.0)
    finished(model="demucs", device="cpu")  # from before workers recorded stages

    [speed] = selectors.window_speed(NOW, DAY)

    assert (speed.decode_s, speed.separate_s, speed.encode_s) == (2.0, 20.0, 4.0)
    assert speed.store_s is None


def test_money_is_counted_per_day_across_midnight(owner):
    late = datetime(2024, 3, 9, 23, 59, tzinfo=UTC)
    early = datetime(2024, 3, 10, 0, 1, tzinfo=UTC)
    PaymentFactory(user=owner, credits=10, amount=500, currency="eur", paid_at=late)
    PaymentFactory(user=owner, credits=25, amount=1000, currency="eur", paid_at=early)
    PaymentFactory(user=owner, credits=10, amount=600, currency="usd", paid_at=NOW)
    # Refunded in part later: still sold that day, its revenue net of the refund.
    PaymentFactory(
        user=owner, credits=20, amount=900, amount_refunded=400, status="refunded", paid_at=NOW
    )
    PaymentFactory(user=owner, status="open", paid_at=None)
    PaymentFactory(user=owner, credits=99, paid_at=late - DAY)  # before the two days
    PaymentFactory(user=owner, credits=99, paid_at=NOW + HOUR)  # after now
    ledger(owner, "charge", -2, late)
    ledger(owner, "charge", -3, early)
    ledger(owner, "charge", -4, NOW)
    ledger(owner, "refund", 3, NOW)
    ledger(owner, "grant", 50, NOW)
    ledger(owner, "charge", -7, late - DAY)
    for at in (late, early, NOW, late - DAY):
        pinned(PreviewUse.objects.create(owner=owner, job_id=JobFactory().id), created_at=at)

    money = selectors.money(NOW, days=2)

    yesterday, today = money.days
    assert (yesterday.day, today.day) == (date(2024, 3, 9), date(2024, 3, 10))
    assert (yesterday.credits_sold, yesterday.revenue) == (10, {"eur": 500})
    assert (today.credits_sold, today.revenue) == (55, {"eur": 1500, "usd": 600})
    assert (yesterday.charged, yesterday.refunded, yesterday.previews) == (2, 0, 1)
    assert (today.charged, today.refunded, today.previews) == (7, 3, 2)
    assert (money.credits_sold, money.revenue) == (65, {"eur": 2000, "usd": 600})
    assert (money.charged, money.refunded, money.previews) == (9, 3, 3)


def test_conversion_is_the_share_of_previews_whose_upload_became_a_full_job(owner):
    def preview(at: datetime, *fulls: str) -> Job:
        job = JobFactory(owner=owner, kind="preview")
        pinned(job, created_at=at)
        for kind in fulls:
            JobFactory(owner=owner, kind=kind, source_job=job, input_file=job.input_file.name)
        return job

    preview(NOW - HOUR, "full", "full")  # bought twice: counted once
    preview(NOW - HOUR, "full")
    preview(NOW - HOUR)
    preview(NOW - HOUR, "preview")  # previewed again, never bought
    preview(NOW - 20 * DAY, "full")  # before the window

    money = selectors.money(NOW, days=14)

    assert (money.previews_created, money.previews_converted) == (4, 2)
    assert money.conversion == pytest.approx(0.5)


def test_money_of_quiet_days_is_zero_and_conversion_none():
    money = selectors.money(NOW, days=3)

    assert [d.day for d in money.days] == [date(2024, 3, 8), date(2024, 3, 9), date(2024, 3, 10)]
    assert all(d.credits_sold == d.charged == d.previews == 0 for d in money.days)
    assert money.revenue == {} and money.conversion is None


def test_feedback_averages_ratings_per_model_counts_thumbs_and_lists_latest_comments():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")

    def given(model: str, rating: int, at: datetime, comment: str = "", **thumbs) -> JobFeedback:
        job = JobFactory(owner=alice, model=model, status=Status.SUCCEEDED)
        row = JobFeedbackFactory(job=job, user=bob, rating=rating, comment=comment, thumbs=thumbs)
        pinned(row, updated_at=at)
        return row

    given("demucs", 5, NOW - 3 * HOUR, "Clean vocals.", vocals=True, drums=False)
    given("demucs", 2, NOW - 2 * HOUR, "", vocals=False)
    latest = given("unet-2stems", 3, NOW - HOUR, "Some bleed.", vocals=True)
    middle = given("demucs", 2, NOW - 2 * HOUR + timedelta(minutes=1), "Muddy bass.")
    given("demucs", 1, NOW - 2 * DAY, "Too old to count.", vocals=False)

    seen = selectors.feedback(NOW, DAY, comments=2)

    assert seen.models == (
        ModelRating("demucs", ratings=3, average=pytest.approx(3.0)),
        ModelRating("unet-2stems", ratings=1, average=pytest.approx(3.0)),
    )
    assert seen.stems == (StemThumbs("drums", up=0, down=1), StemThumbs("vocals", up=2, down=1))
    assert seen.comments == (
        Comment(latest.job_id, "unet-2stems", 3, "Some bleed.", "bob", NOW - HOUR),
        Comment(middle.job_id, "demucs", 2, "Muddy bass.", "bob", NOW - 2 * HOUR + 60 * SECOND),
    )


def test_storage_counts_a_shared_upload_once_and_what_the_next_purge_deletes(settings):
    settings.STEMWORKS_RETENTION_DAYS = 7
    old = NOW - 8 * DAY

    def upload(size: int | None, **fields) -> Job:
        return JobFactory(input_size=size, **fields)

    def stems(job: Job, *sizes: int) -> None:
        for n, size in enumerate(sizes):
            StemFileFactory(stem=StemFactory(job=job, name=f"stem{n}", formats=()), size=size)

    def shared(source: Job, **fields) -> Job:
        return upload(
            source.input_size, source_job=source, input_file=source.input_file.name, **fields
        )

    # A new upload whose old preview expires: the preview's stems go, the upload stays.
    preview = upload(1000, kind="preview", status=Status.SUCCEEDED, finished_at=old)
    shared(preview, status=Status.QUEUED)
    stems(preview, 200)
    # An expired upload with its stems.
    gone = upload(500, status=Status.SUCCEEDED, finished_at=old)
    stems(gone, 100, 200)
    # A shared upload whose jobs all expire: freed once.
    first = upload(700, status=Status.FAILED, finished_at=old)
    shared(first, status=Status.CANCELLED, finished_at=old - DAY)
    # Kept: finished inside the retention period, or stored before sizes were recorded.
    recent = upload(300, status=Status.SUCCEEDED, finished_at=NOW - DAY)
    stems(recent, 50)
    upload(None, status=Status.SUCCEEDED, finished_at=NOW - DAY)
    # Already purged: no file left.
    upload(400, status=Status.SUCCEEDED, finished_at=old, purged_at=old, input_file="")
    # Running for 8 days: not finished, not purged.
    upload(50, status=Status.RUNNING, started_at=old)

    held = selectors.storage(NOW)

    assert (held.upload_files, held.upload_bytes, held.uploads_unsized) == (6, 2550, 1)
    assert (held.stem_files, held.stem_bytes) == (4, 550)
    assert (held.retention_days, held.expiring_jobs) == (7, 4)
    assert (held.expiring_upload_bytes, held.expiring_stem_bytes) == (1200, 500)
    assert held.expiring_bytes == 1700

    assert housekeeping.jobs_purge_expired(now=NOW) == held.expiring_jobs
    after = selectors.storage(NOW)
    assert (after.upload_bytes, after.stem_bytes) == (2550 - 1200, 550 - 500)
    assert after.expiring_jobs == 0


def test_each_section_takes_a_few_queries_however_many_rows(django_assert_num_queries):
    for n in range(5):
        job = finished(error_class="storage" if n % 2 else "", error=f"e{n}", status=Status.FAILED)
        finished(device=f"cuda:{n}")
        StemFileFactory(stem=StemFactory(job=job, formats=()), size=10)
        JobFeedbackFactory(comment=f"c{n}", thumbs={"vocals": True, f"s{n}": False})
    JobFeedback.objects.update(updated_at=NOW - HOUR)

    for section, queries in [
        (lambda: selectors.window_outcomes(NOW, DAY), 1),
        (lambda: selectors.window_throughput(NOW, DAY), 1),
        (lambda: selectors.window_failures(NOW, DAY), 2),
        (lambda: selectors.window_timings(NOW, DAY), 2),
        (lambda: selectors.window_speed(NOW, DAY), 2),
        (lambda: selectors.money(NOW), 4),
        (lambda: selectors.feedback(NOW, DAY), 3),
        (lambda: selectors.storage(NOW), 3),
    ]:
        with django_assert_num_queries(queries):
            section()
