"""Monitoring with a real Celery worker on Redis: the worker, its device and the job it runs."""

import pytest
from django.test import override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.helpers import HANG_FROM_S, HANGING_ENGINE_WORKER, finished, song_upload, wait_for
from tests.e2e.helpers import wait_until as wait_until_quick
from webapp.jobs.models import Job
from webapp.monitoring import selectors
from webapp.monitoring.selectors import UNCLASSIFIED

pytestmark = [pytest.mark.slow]

# The hanging engine's job runs until its soft limit of 10 s, then fails.
FAILS_IN_10_S = override_settings(
    STEMWORKS_TIME_LIMIT_BASE_S=10, STEMWORKS_TIME_LIMIT_FACTOR=0, STEMWORKS_TIME_LIMIT_GRACE_S=30
)


def wait_until(check, process, log_path, what: str):
    # Each look at the broker waits a second for replies: poll less often than the helper does.
    return wait_until_quick(check, process, log_path, timeout=90, what=what)


def test_a_worker_is_listed_with_its_queues_pool_device_and_the_job_it_runs(
    start_worker, owner, owner_api, staff, client
):
    process, log_path = start_worker(
        env={"STEMWORKS_DEVICE": "cpu"}, launcher=HANGING_ENGINE_WORKER
    )

    state = wait_until(
        lambda: selectors.now_state(timezone.now()).workers or None,
        process,
        log_path,
        what="the worker answering",
    )
    [worker] = state
    assert worker.name.startswith("e2e-")
    assert sorted(worker.queues) == ["default", "gpu"]
    assert (worker.concurrency, worker.device, worker.jobs) == (1, "cpu", ())

    with FAILS_IN_10_S:
        created = owner_api.post(
            "/api/v1/jobs", {"file": song_upload(HANG_FROM_S + 5)}, format="multipart"
        )
    assert created.status_code == 201, created.content
    job_id = created.json()["id"]

    def running_on_the_worker() -> selectors.NowState | None:
        now = selectors.now_state(timezone.now())
        return now if now.workers and now.workers[0].jobs else None

    now = wait_until(running_on_the_worker, process, log_path, what="the job listed as running")
    [job] = now.workers[0].jobs
    assert str(job.id) == job_id
    assert job.worker == worker.name
    assert job.task_id == Job.objects.get(id=job_id).claimed_by
    assert now.running_jobs == (job,)
    assert now.broker_reachable and now.queue_depths == {"gpu": 0, "default": 0}

    failed = wait_for(owner_api, job_id, process, log_path, until=finished, timeout=60)
    assert failed["status"] == "failed"
    client.force_login(staff)
    response = client.get("/metrics")
    assert response.status_code == 200
    got = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }
    assert got[("stemworks_workers_online", ())] == 1
    assert got[("stemworks_broker_up", ())] == 1
    assert got[("stemworks_jobs", (("status", "failed"),))] == 1
    reason_class = Job.objects.get(id=job_id).error_class or UNCLASSIFIED
    assert got[("stemworks_job_failures_total", (("reason_class", reason_class),))] == 1
