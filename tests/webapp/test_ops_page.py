"""The staff operations page: who may see it, and that it shows the selectors' figures."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.e2e.live_server import free_port
from tests.factories import JobFactory, UserFactory
from webapp.jobs.models import Status
from webapp.monitoring import broker
from webapp.monitoring.chart import throughput_chart
from webapp.monitoring.selectors import HourCount, Throughput

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def quiet_broker(monkeypatch):
    """A reachable broker with empty queues and no worker, without waiting for replies."""
    state = broker.BrokerState(reachable=True, depths={"gpu": 2, "default": 0}, workers=())
    monkeypatch.setattr(broker, "broker_state", lambda **kwargs: state)


def finished(status: str, *, ago: timedelta, **fields):
    now = timezone.now()
    return JobFactory(
        status=status,
        queued_at=now - ago - timedelta(seconds=30),
        started_at=now - ago - timedelta(seconds=20),
        finished_at=now - ago,
        **fields,
    )


def text(response) -> str:
    return response.content.decode()


def test_visitors_are_sent_to_log_in_and_customers_get_404(client):
    assert client.get("/staff/ops/")["Location"].startswith("/accounts/login/?next=/staff/ops/")
    client.force_login(UserFactory(username="customer"))
    assert client.get("/staff/ops/").status_code == 404
    assert "Operations" not in text(client.get("/dashboard/"))


def test_the_page_counts_outcomes_and_shows_failure_reasons_with_admin_links(
    staff_client, quiet_broker
):
    finished(Status.SUCCEEDED, ago=timedelta(minutes=5))
    failed = finished(
        Status.FAILED, ago=timedelta(minutes=3), error="The file is not audio.",
        error_class="bad_input",
    )  # fmt: skip
    finished(Status.FAILED, ago=timedelta(days=3), error="Old failure.", error_class="internal")

    page = text(staff_client.get("/staff/ops/"))
    assert '<b id="count-succeeded">1</b>' in page
    assert '<b id="count-failed">1</b>' in page
    assert "The file is not audio." in page and "Old failure." not in page
    assert f'href="/admin/jobs/job/{failed.id}/change/"' in page
    assert '<b data-queue="gpu">2</b>' in page
    assert "Operations" in page  # the header links staff to it

    week = text(staff_client.get("/staff/ops/?window=week"))
    assert '<b id="count-failed">2</b>' in week and "Old failure." in week


def test_the_refresh_fragment_is_the_body_alone(staff_client, quiet_broker):
    body = text(staff_client.get("/staff/ops/?window=hour&fragment=1"))
    assert 'id="ops-now"' in body and "<html" not in body and "Last hour" in body


def test_with_the_broker_down_the_page_answers_quickly_and_says_so(staff_client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    JobFactory(status=Status.QUEUED, queued_at=timezone.now() - timedelta(minutes=2))
    started = time.monotonic()
    response = staff_client.get("/staff/ops/")
    assert time.monotonic() - started < 3
    assert response.status_code == 200
    assert "The broker is unreachable" in text(response)
    assert "1 job waits in the database" in text(response)


def test_the_chart_has_a_bar_per_hour_scaled_to_the_busiest():
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    hours = tuple(
        HourCount(hour=start + timedelta(hours=i), jobs=n) for i, n in enumerate([0, 4, 2])
    )
    chart = throughput_chart(Throughput(hours=hours, peak=4))
    assert [bar.height for bar in chart.bars] == [0, chart.plot_height, chart.plot_height / 2]
    assert chart.bars[1].label.endswith(": 4 jobs")
    assert chart.bars[0].label.endswith(": 0 jobs")
