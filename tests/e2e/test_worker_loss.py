"""A worker process killed mid-job: its task comes back and takes the job back at once."""

import os
import signal
import time

import pytest

from tests.e2e.helpers import children, finished, song_upload, wait_for, wait_until
from webapp.billing.models import CreditTransaction
from webapp.billing.services import job_reference
from webapp.jobs.models import Job, Status

pytestmark = [pytest.mark.slow]

HEARTBEAT_TIMEOUT_S = 600


def test_a_job_whose_pool_process_is_killed_is_redelivered_and_taken_back_at_once(
    start_worker, owner, owner_api
):
    # A stale heartbeat would take ten minutes: only the task's own redelivery can be this quick.
    env = {"STEMWORKS_HEARTBEAT_TIMEOUT_S": str(HEARTBEAT_TIMEOUT_S)}
    process, log_path = start_worker(env=env)
    created = owner_api.post("/api/v1/jobs", {"file": song_upload(30)}, format="multipart")
    assert created.status_code == 201, created.content
    job_id = created.json()["id"]

    def separating() -> Job | None:
        job = Job.objects.get(id=job_id)
        return job if job.status == Status.RUNNING and job.stage == "separating" else None

    first = wait_until(separating, process, log_path, what="separating")
    [child] = children(process.pid)
    os.kill(child, signal.SIGKILL)
    killed_at = time.monotonic()

    job = wait_for(owner_api, job_id, process, log_path, until=finished, timeout=60)
    took = time.monotonic() - killed_at

    assert job["status"] == "succeeded", job["error"] + "\n" + log_path.read_text()[-3000:]
    assert [stem["name"] for stem in job["stems"]] == ["vocals", "accompaniment"]
    assert took < HEARTBEAT_TIMEOUT_S / 10
    done = Job.objects.get(id=job_id)
    assert done.attempts == 2
    # The same task (same id), delivered again, ran it to the end.
    assert first.claimed_by and done.claimed_by == first.claimed_by
    assert done.started_at > first.started_at
    assert "WorkerLostError" in log_path.read_text()
    ledger = CreditTransaction.objects.filter(reference=job_reference(job_id))
    assert list(ledger.values_list("kind", flat=True)) == ["charge"]
    # The worker itself lived on with a fresh pool process.
    assert process.poll() is None
    assert children(process.pid) not in ([], [child])
