"""Time limits in a real worker: a job past its limit fails with a reason and a refund, once."""

import pytest
from django.test import override_settings

from tests.e2e.helpers import (
    DEAF_TO_SOFT_LIMIT,
    HANG_FROM_S,
    HANGING_ENGINE_WORKER,
    children,
    finished,
    song_upload,
    wait_for,
    wait_until,
)
from webapp.billing.models import CreditTransaction
from webapp.billing.selectors import credits_balance
from webapp.billing.services import job_reference
from webapp.jobs.models import Job
from workers.tasks import time_limit_reason

pytestmark = [pytest.mark.slow]

# Limits of (soft, hard) = (3, 4) s and (3, 33) s, whatever the song's length.
HARD_SOON = override_settings(
    STEMWORKS_TIME_LIMIT_BASE_S=3, STEMWORKS_TIME_LIMIT_FACTOR=0, STEMWORKS_TIME_LIMIT_GRACE_S=1
)
SOFT_SOON = override_settings(
    STEMWORKS_TIME_LIMIT_BASE_S=3, STEMWORKS_TIME_LIMIT_FACTOR=0, STEMWORKS_TIME_LIMIT_GRACE_S=30
)


def create(api, seconds: float) -> str:
    created = api.post("/api/v1/jobs", {"file": song_upload(seconds)}, format="multipart")
    assert created.status_code == 201, created.content
    return created.json()["id"]


def ledger(job_id: str) -> list[tuple[str, int]]:
    rows = CreditTransaction.objects.filter(reference=job_reference(job_id)).order_by("id")
    return list(rows.values_list("kind", "amount"))


def test_a_job_past_its_hard_limit_fails_is_refunded_once_and_the_worker_goes_on(
    start_worker, owner, owner_api
):
    # The engine hangs deaf to the soft limit, as native code does: only the hard one stops it.
    process, log_path = start_worker(env={DEAF_TO_SOFT_LIMIT: "1"}, launcher=HANGING_ENGINE_WORKER)
    with HARD_SOON:
        stuck = create(owner_api, HANG_FROM_S + 5)
    charged = credits_balance(user=owner)
    assert charged < 100

    job = wait_for(owner_api, stuck, process, log_path, until=finished, timeout=60)

    assert job["status"] == "failed", log_path.read_text()[-3000:]
    assert job["error"] == time_limit_reason(4)
    assert Job.objects.get(id=stuck).attempts == 1
    charge = 100 - charged
    assert ledger(stuck) == [("charge", -charge), ("refund", charge)]
    assert credits_balance(user=owner) == 100
    assert "Hard time limit (4s) exceeded" in log_path.read_text()

    # The worker lives on: a fresh pool process separates the next song with the real engine.
    after = create(owner_api, 3)
    job = wait_for(owner_api, after, process, log_path, until=finished, timeout=60)

    assert job["status"] == "succeeded", job["error"] + "\n" + log_path.read_text()[-3000:]
    assert [stem["name"] for stem in job["stems"]] == ["vocals", "accompaniment"]
    assert process.poll() is None
    # The hung job was not delivered again: still one failure, one refund.
    assert Job.objects.get(id=stuck).attempts == 1
    assert len(ledger(stuck)) == 2


def test_a_job_past_its_soft_limit_fails_is_refunded_and_its_process_goes_on(
    start_worker, owner, owner_api
):
    process, log_path = start_worker(launcher=HANGING_ENGINE_WORKER)
    with SOFT_SOON:
        stuck = create(owner_api, HANG_FROM_S + 5)
    pool = wait_until(lambda: children(process.pid), process, log_path, what="a pool process")

    job = wait_for(owner_api, stuck, process, log_path, until=finished, timeout=60)

    assert job["status"] == "failed", log_path.read_text()[-3000:]
    assert job["error"] == time_limit_reason(3)
    charge = -ledger(stuck)[0][1]
    assert ledger(stuck) == [("charge", -charge), ("refund", charge)]
    assert credits_balance(user=owner) == 100
    # The soft limit is an exception inside the task: the pool process was not replaced.
    assert children(process.pid) == pool
    assert "Hard time limit" not in log_path.read_text()
