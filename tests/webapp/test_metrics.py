"""/metrics: the monitoring figures in Prometheus' format, for staff or the token's bearer only."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import JobFactory, PaymentFactory, RunningJobFactory
from webapp.jobs.models import Status
from webapp.monitoring import broker

TOKEN = "metrics-token-0123456789"

LIVE = broker.BrokerState(
    reachable=True,
    depths={"gpu": 4, "default": 1},
    workers=(
        broker.WorkerReport(
            name="celery@gpu-1", queues=("gpu",), concurrency=1, device="cuda:0", task_ids=()
        ),
    ),
)


@pytest.fixture(autouse=True)
def broker_answers(settings):
    settings.STEMWORKS_METRICS_TOKEN = TOKEN
    with mock.patch.object(broker, "broker_state", return_value=LIVE) as patched:
        yield patched


def samples(response) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Return every sample as {(name, sorted labels): value}, parsed by prometheus_client."""
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def succeeded(model: str, device: str, seconds: float) -> None:
    finished = timezone.now()
    JobFactory(
        model=model,
        device=device,
        status=Status.SUCCEEDED,
        started_at=finished - timedelta(seconds=seconds),
        finished_at=finished,
    )


def test_staff_read_every_figure_as_the_rows_and_the_broker_tell(client, staff):
    JobFactory.create_batch(2)
    RunningJobFactory()
    succeeded("unet-2stems", "cpu", 4)
    succeeded("unet-2stems", "cpu", 50)
    succeeded("htdemucs", "cuda:0", 20)
    succeeded("unet-2stems", "", 7)  # run before workers recorded their device
    JobFactory(status=Status.FAILED, error_class="time_limit", error="too long")
    JobFactory(status=Status.FAILED, error_class="time_limit", error="too long")
    JobFactory(status=Status.FAILED, error_class="", error="before classes")
    JobFactory(status=Status.CANCELLED)
    PaymentFactory(credits=10)
    PaymentFactory(credits=60)
    PaymentFactory(credits=300, status="open", paid_at=None)
    PaymentFactory(credits=5, status="refunded")  # a counter: a refund must not lower it
    client.force_login(staff)

    response = client.get("/metrics")

    assert response.status_code == 200
    got = samples(response)
    assert got[("stemworks_queue_depth", (("queue", "gpu"),))] == 4
    assert got[("stemworks_queue_depth", (("queue", "default"),))] == 1
    assert got[("stemworks_broker_up", ())] == 1
    assert got[("stemworks_workers_online", ())] == 1
    jobs = {
        labels[0][1]: value for (name, labels), value in got.items() if name == "stemworks_jobs"
    }
    assert jobs == {"queued": 2, "running": 1, "succeeded": 4, "failed": 3, "cancelled": 1}
    cpu = (("device", "cpu"), ("model", "unet-2stems"))
    assert got[("stemworks_job_processing_seconds_count", cpu)] == 2
    assert got[("stemworks_job_processing_seconds_sum", cpu)] == pytest.approx(54)
    buckets = {
        dict(labels)["le"]: value
        for (name, labels), value in got.items()
        if name == "stemworks_job_processing_seconds_bucket" and set(cpu) < set(labels)
    }
    assert buckets["5.0"] == 1
    assert buckets["30.0"] == 1
    assert buckets["60.0"] == 2
    assert buckets["+Inf"] == 2
    cuda = (("device", "cuda:0"), ("model", "htdemucs"))
    assert got[("stemworks_job_processing_seconds_count", cuda)] == 1
    unknown = (("device", "unknown"), ("model", "unet-2stems"))
    assert got[("stemworks_job_processing_seconds_sum", unknown)] == pytest.approx(7)
    failures = "stemworks_job_failures_total"
    assert got[(failures, (("reason_class", "time_limit"),))] == 2
    assert got[(failures, (("reason_class", "unclassified"),))] == 1
    assert got[("stemworks_credits_sold_total", ())] == 75


def test_a_stopped_broker_reads_as_down_with_no_queue_depth(client, staff, broker_answers):
    broker_answers.return_value = broker.BrokerState(reachable=False, error="refused")
    client.force_login(staff)

    got = samples(client.get("/metrics"))

    assert got[("stemworks_broker_up", ())] == 0
    assert got[("stemworks_workers_online", ())] == 0
    assert not [key for key in got if key[0] == "stemworks_queue_depth"]


def test_the_bearer_of_the_token_reads_the_metrics(client, db):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert ("stemworks_broker_up", ()) in samples(response)


@pytest.mark.parametrize(
    "header", [f"Bearer {TOKEN}x", "Bearer ", f"Token {TOKEN}", TOKEN], ids=repr
)
def test_a_wrong_token_gets_404(client, db, header):
    assert client.get("/metrics", HTTP_AUTHORIZATION=header).status_code == 404


def test_no_token_is_accepted_when_none_is_set(client, db, settings):
    settings.STEMWORKS_METRICS_TOKEN = ""

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_a_user_who_is_not_staff_gets_404(client, other_user):
    client.force_login(other_user)

    assert client.get("/metrics").status_code == 404


def test_an_anonymous_visitor_gets_404(client, db, broker_answers):
    assert client.get("/metrics").status_code == 404
    broker_answers.assert_not_called()
