"""Faults survived by real processes: a worker killed whole, Redis emptied, PostgreSQL dropping
connections, a full disk, a deploy's SIGTERM. Each job ends once, charged once."""

import os
import signal
import time

import pytest
import redis
from django.db import connection

from tests.e2e.helpers import (
    FULL_DISK_WORKER,
    children,
    finished,
    song_upload,
    wait_for,
    wait_until,
)
from tests.stored import stem_files_stored
from webapp.billing.models import CreditTransaction
from webapp.billing.services import job_reference
from webapp.jobs.models import ErrorClass, Job, Status
from workers.tasks import STORAGE_FAILED

pytestmark = [pytest.mark.slow]

# What the issue asks: back within 90 s of the kill, plus the job's own time.
RECOVERY_LIMIT_S = 90
# Every stem, in every format, plus its peaks: what one successful attempt leaves.
FILES_PER_STEM = 5


def ledger(job_id: str) -> list[str]:
    """The kinds of the ledger rows of a job, oldest first."""
    rows = CreditTransaction.objects.filter(reference=job_reference(job_id)).order_by("id")
    return list(rows.values_list("kind", flat=True))


def upload(api, seconds: float) -> str:
    created = api.post("/api/v1/jobs", {"file": song_upload(seconds)}, format="multipart")
    assert created.status_code == 201, created.content
    return created.json()["id"]


def separating(job_id: str):
    def check() -> Job | None:
        job = Job.objects.get(id=job_id)
        return job if job.status == Status.RUNNING and job.stage == "separating" else None

    return check


def kill_whole_worker(pid: int) -> None:
    """SIGKILL a worker and its pool, the parent held still first so it cannot react."""
    os.kill(pid, signal.SIGSTOP)
    for child in children(pid):
        os.kill(child, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)


def test_a_job_of_a_worker_killed_whole_runs_again_on_another_within_90_s(
    start_worker, start_beat, owner_api
):
    # The production defaults: a beat every 10 s, silent for 60 s, reconciled every 15 s.
    start_beat()
    # Two workers with their model loaded (loading is not the job's own time): one takes
    # the job, the other stands by and takes the next message.
    workers = [start_worker(env={"STEMWORKS_PRELOAD_MODELS": "unet-2stems"}) for _ in "ab"]
    for process, log_path in workers:
        wait_until(lambda log=log_path: "ready." in log.read_text(), process, log_path, 180)
    job_id = upload(owner_api, 30)
    running = wait_until(separating(job_id), *workers[0], timeout=180, what="separating")
    taken = int(running.worker_host.split("@")[0].rsplit("-", 1)[1])  # e2e-<pid>-<n>@host
    (first, _), (second, second_log) = workers[taken], workers[1 - taken]

    kill_whole_worker(first.pid)
    killed_at = time.monotonic()
    first.wait()

    job = wait_for(owner_api, job_id, second, second_log, until=finished, timeout=240)
    took = time.monotonic() - killed_at
    assert job["status"] == "succeeded", job["error"] + second_log.read_text()[-3000:]
    done = Job.objects.get(id=job_id)
    own_time = done.decode_s + done.separate_s + done.encode_s + done.store_s
    assert took < RECOVERY_LIMIT_S + own_time
    assert done.attempts == 2 and done.claimed_by != running.claimed_by
    assert done.worker_pid != running.worker_pid
    assert ledger(job_id) == ["charge"]
    # Only the second attempt's files remain, one set per stem.
    assert len(stem_files_stored(job_id)) == FILES_PER_STEM * 2


def test_queued_jobs_whose_messages_redis_lost_are_sent_again_and_run_once(
    start_worker, start_beat, owner_api, redis_url
):
    job_ids = [upload(owner_api, 3) for _ in range(3)]
    broker = redis.Redis.from_url(redis_url)
    assert broker.llen("gpu") == 3
    broker.flushdb()  # Redis restarted empty

    start_beat(env={"STEMWORKS_RECONCILE_EVERY_S": "2"})
    process, log_path = start_worker()

    for job_id in job_ids:
        job = wait_for(owner_api, job_id, process, log_path, until=finished, timeout=120)
        assert job["status"] == "succeeded", job["error"]
        assert Job.objects.get(id=job_id).attempts == 1
        assert ledger(job_id) == ["charge"]


def test_a_task_whose_database_connections_are_dropped_retries_and_ends_well(
    start_worker, owner_api
):
    process, log_path = start_worker()
    job_id = upload(owner_api, 30)
    wait_until(separating(job_id), process, log_path, timeout=180, what="separating")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        [(dropped,)] = cursor.fetchall()
    assert dropped >= 1

    job = wait_for(owner_api, job_id, process, log_path, until=finished, timeout=180)
    assert job["status"] == "succeeded", job["error"] + log_path.read_text()[-3000:]
    assert Job.objects.get(id=job_id).attempts >= 2
    assert ledger(job_id) == ["charge"]
    assert len(stem_files_stored(job_id)) == FILES_PER_STEM * 2


def test_a_full_disk_fails_the_job_plainly_refunds_it_once_and_leaves_no_files(
    start_worker, owner_api
):
    process, log_path = start_worker(launcher=FULL_DISK_WORKER)
    job_id = upload(owner_api, 5)

    job = wait_for(owner_api, job_id, process, log_path, until=finished, timeout=120)

    assert (job["status"], job["error"]) == ("failed", STORAGE_FAILED)
    assert Job.objects.get(id=job_id).error_class == ErrorClass.STORAGE
    assert "No space left on device" in log_path.read_text()
    assert ledger(job_id) == ["charge", "refund"]
    assert stem_files_stored(job_id) == []


def test_a_worker_stopped_with_sigterm_finishes_its_job_first(start_worker, owner_api):
    process, log_path = start_worker()
    job_id = upload(owner_api, 30)
    wait_until(separating(job_id), process, log_path, timeout=180, what="separating")

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=180) == 0

    job = Job.objects.get(id=job_id)
    assert job.status == Status.SUCCEEDED, job.error + log_path.read_text()[-3000:]
    assert (job.attempts, ledger(job_id)) == (1, ["charge"])
    assert job.stems.count() == 2
