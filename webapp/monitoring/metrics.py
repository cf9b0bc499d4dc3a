"""/metrics: the ops page's figures in Prometheus' text format, for staff or a bearer token.

Each scrape builds a fresh registry around one collector that reads the monitoring
selectors, so the numbers are those of the page and no state lives between requests.
"""

import hmac
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from webapp.monitoring import selectors


class StemworksCollector(Collector):
    """Collect queue depths, jobs, processing times, failures, credits, workers and the broker."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def collect(self) -> Iterator[Metric]:
        state = selectors.now_state(self.now)
        yield _queue_depths(state)
        yield _broker_up(state)
        yield GaugeMetricFamily(
            "stemworks_workers_online",
            "Celery workers that answered the inspection.",
            value=len(state.workers),
        )
        jobs = GaugeMetricFamily("stemworks_jobs", "Jobs by status.", labels=["status"])
        for status, count in selectors.now_jobs_by_status().items():
            jobs.add_metric([status], count)
        yield jobs
        yield _processing()
        failures = CounterMetricFamily(
            "stemworks_job_failures", "Failed jobs by reason class.", labels=["reason_class"]
        )
        for reason_class, count in sorted(selectors.now_failures_by_class().items()):
            failures.add_metric([reason_class], count)
        yield failures
        yield CounterMetricFamily(
            "stemworks_credits_sold",
            "Credits of every payment ever paid (refunded or disputed later too).",
            value=selectors.now_credits_sold(),
        )


def _queue_depths(state: selectors.NowState) -> Metric:
    depth = GaugeMetricFamily(
        "stemworks_queue_depth", "Messages waiting in each Celery queue.", labels=["queue"]
    )
    # An unreachable broker has no depth to tell: no samples, rather than a false zero.
    for queue, count in (state.queue_depths or {}).items():
        depth.add_metric([queue], count)
    return depth


def _broker_up(state: selectors.NowState) -> Metric:
    return GaugeMetricFamily(
        "stemworks_broker_up",
        "1 when the broker answered, 0 when it could not be reached.",
        value=1 if state.broker_reachable else 0,
    )


def _processing() -> Metric:
    histogram = HistogramMetricFamily(
        "stemworks_job_processing_seconds",
        "Seconds from start to finish of succeeded jobs, per model and device.",
        labels=["model", "device"],
    )
    for row in selectors.now_processing():
        buckets = [(floatToGoString(le), count) for le, count in row.buckets]
        histogram.add_metric(
            [row.model, row.device], [*buckets, ("+Inf", row.count)], sum_value=row.sum_s
        )
    return histogram


def _allowed(request: HttpRequest) -> bool:
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.STEMWORKS_METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    # In constant time: how much of a guess matched must not show in the response time.
    return hmac.compare_digest(given.strip().encode(), token.encode())


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Answer the metrics to staff or the bearer of the metrics token; 404 to everyone else."""
    if not _allowed(request):
        raise Http404
    registry = CollectorRegistry()
    registry.register(StemworksCollector(timezone.now()))
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
