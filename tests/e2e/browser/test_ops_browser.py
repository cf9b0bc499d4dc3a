"""The operations page in Chromium with a real worker on PostgreSQL and Redis: after one job
succeeds and one fails, it shows them counted, the worker online and the failure's reason,
and /metrics holds the same counts."""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.helpers import finished, song_upload, wait_for
from tests.factories import JobFactory
from webapp.jobs.models import Job, Kind, Status
from workers import queue

pytestmark = [pytest.mark.slow]


def metrics(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_after_a_success_and_a_failure_the_ops_page_shows_both_and_the_worker(
    browser, log_in, screenshot, worker, owner, owner_api, staff, client
):
    process, log_path = worker
    created = owner_api.post(
        "/api/v1/jobs", {"file": song_upload(8), "kind": "preview"}, format="multipart"
    )
    assert created.status_code == 201, created.content
    # A stored upload that is no audio: the worker refuses it with a reason.
    broken = JobFactory(
        owner=owner, kind=Kind.PREVIEW, original_name="broken.wav",
        input_file=ContentFile(b"RIFF not really a wave file", name="broken.wav"),
    )  # fmt: skip
    queue.enqueue_separation(job_id=broken.id, duration=broken.duration)
    good = wait_for(owner_api, created.json()["id"], process, log_path, until=finished)
    bad = wait_for(owner_api, str(broken.id), process, log_path, until=finished)
    assert (good["status"], bad["status"]) == ("succeeded", "failed")

    page = browser.new_page()
    log_in(page, staff)
    page.goto("/staff/ops/")
    assert page.inner_text("#count-succeeded") == "1"
    assert page.inner_text("#count-failed") == "1"
    assert page.inner_text("#workers-online") == "1"
    assert "cpu" in page.inner_text("#workers")
    assert bad["error"] in page.inner_text("#ops-window")
    screenshot(page, "ops")

    # It refreshes itself: a job that fails now is counted within about 10 s, without a reload.
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    JobFactory(
        owner=owner, status=Status.FAILED, error="Gone wrong.", error_class="internal",
        queued_at=timezone.now(), started_at=timezone.now(), finished_at=timezone.now(),
    )  # fmt: skip
    page.wait_for_selector("#count-failed:has-text('2')", timeout=15000)
    assert navigations == []
    phone = browser.new_page("phone")
    log_in(phone, staff)
    phone.goto("/staff/ops/")
    screenshot(phone, "ops")

    client.force_login(staff)
    got = metrics(client)
    assert got[("stemworks_jobs", (("status", "succeeded"),))] == 1
    assert got[("stemworks_jobs", (("status", "failed"),))] == 2
    assert Job.objects.get(id=broken.id).error_class == "bad_input"
    assert got[("stemworks_job_failures_total", (("reason_class", "bad_input"),))] == 1
    assert got[("stemworks_job_failures_total", (("reason_class", "internal"),))] == 1
    assert got[("stemworks_workers_online", ())] == 1


def test_the_ops_page_refuses_customers_and_visitors(browser, log_in, owner):
    visitor = browser.new_page()
    visitor.goto("/staff/ops/")
    assert "/accounts/login/" in visitor.url
    customer = browser.new_page()
    log_in(customer, owner)
    assert customer.goto("/staff/ops/").status == 404
