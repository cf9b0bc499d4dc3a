"""The ops page's "now": queue depths, the oldest waiting job, workers and the jobs they run."""

import socket
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from kombu import Connection

from tests.factories import JobFactory, RunningJobFactory
from webapp.jobs.models import Status
from webapp.monitoring import broker, selectors
from workers.celery import app

QUEUES = ("gpu", "default")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def empty_queues(settings, redis_url):
    """Point the page at the tests' Redis, its gpu and default queues empty before and after."""
    settings.CELERY_BROKER_URL = redis_url

    def purge() -> None:
        with Connection(redis_url) as connection:
            for name in QUEUES:
                connection.default_channel.queue_purge(name)

    purge()
    yield
    purge()


def report(name: str, *task_ids: str, device: str = "cpu") -> broker.WorkerReport:
    return broker.WorkerReport(
        name=name, queues=QUEUES, concurrency=2, device=device, task_ids=task_ids
    )


def live(*workers: broker.WorkerReport) -> broker.BrokerState:
    return broker.BrokerState(reachable=True, depths={"gpu": 0, "default": 0}, workers=workers)


def test_a_stopped_broker_answers_unreachable_within_two_seconds_and_the_rows_still_count(
    db, settings
):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    now = timezone.now()
    JobFactory(queued_at=now - timedelta(seconds=90))
    running = RunningJobFactory(claimed_by="task-1")

    started = time.monotonic()
    state = selectors.now_state(now)

    assert time.monotonic() - started < 2
    assert state.broker_reachable is False
    assert "Connection refused" in state.broker_error
    assert state.queue_depths is None
    assert state.workers == ()
    assert state.queued_jobs == 1
    assert state.oldest_queued_age_s == pytest.approx(90)
    assert [job.id for job in state.running_jobs] == [running.id]
    assert state.running_jobs[0].worker == ""


def test_queue_depth_counts_the_messages_waiting_with_no_worker(db, empty_queues):
    for _ in range(3):
        app.send_task("workers.separate_job", args=["nothing"], queue="gpu")
    app.send_task("workers.purge_expired", queue="default")

    state = selectors.now_state(timezone.now())

    assert state.broker_reachable is True
    assert state.broker_error == ""
    assert state.queue_depths == {"gpu": 3, "default": 1}
    assert state.workers == ()


def test_an_empty_redis_queue_has_depth_zero(db, empty_queues):
    assert broker.broker_state(reply_timeout=0.1).depths == {"gpu": 0, "default": 0}


def test_queue_depth_works_on_the_embedded_filesystem_broker(db, settings, tmp_path):
    options = {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "control_folder": str(tmp_path / "control"),
    }
    for folder in ("queue", "control"):
        (tmp_path / folder).mkdir()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT = "workers.filesystem_broker:Transport"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = options
    with Connection(
        "filesystem://", transport="workers.filesystem_broker:Transport", transport_options=options
    ) as connection:
        queue = connection.SimpleQueue("gpu")
        queue.put({"job": 1})
        queue.put({"job": 2})
        queue.close()

    state = broker.broker_state(reply_timeout=0.1)

    assert state.reachable is True
    assert state.depths == {"gpu": 2, "default": 0}


def test_the_oldest_waiting_job_is_the_earliest_queued_row(db):
    now = timezone.now()
    JobFactory(queued_at=now - timedelta(minutes=5))
    JobFactory(queued_at=now - timedelta(minutes=1))
    RunningJobFactory(queued_at=now - timedelta(hours=1))  # running: no longer waiting

    with mock.patch.object(broker, "broker_state", return_value=live()):
        state = selectors.now_state(now)

    assert state.queued_jobs == 2
    assert state.oldest_queued_at == now - timedelta(minutes=5)
    assert state.oldest_queued_age_s == pytest.approx(300)


def test_nothing_waiting_has_no_age(db):
    with mock.patch.object(broker, "broker_state", return_value=live()):
        state = selectors.now_state(timezone.now())

    assert state.queued_jobs == 0
    assert state.oldest_queued_at is None
    assert state.oldest_queued_age_s is None


def test_each_worker_lists_the_running_jobs_whose_task_it_executes(db):
    now = timezone.now()
    first = RunningJobFactory(
        claimed_by="task-a",
        original_name="a.wav",
        progress=40,
        started_at=now - timedelta(seconds=60),
    )
    second = RunningJobFactory(claimed_by="task-b", original_name="b.wav", started_at=now)
    orphan = RunningJobFactory(claimed_by="task-gone", started_at=now - timedelta(seconds=30))
    JobFactory(status=Status.SUCCEEDED, claimed_by="task-c")  # finished: not running
    workers = (
        report("celery@gpu-1", "task-a", "housekeeping-1", device="cuda:0"),
        report("celery@gpu-2", "task-b"),
    )

    with mock.patch.object(broker, "broker_state", return_value=live(*workers)):
        state = selectors.now_state(now)

    assert [w.name for w in state.workers] == ["celery@gpu-1", "celery@gpu-2"]
    one, two = state.workers
    assert (one.queues, one.concurrency, one.device) == (QUEUES, 2, "cuda:0")
    assert [job.id for job in one.jobs] == [first.id]
    assert (one.jobs[0].name, one.jobs[0].progress, one.jobs[0].worker) == (
        "a.wav",
        40,
        "celery@gpu-1",
    )
    assert one.other_tasks == 1
    assert [job.id for job in two.jobs] == [second.id]
    assert two.other_tasks == 0
    # Every running row, the longest running first; one no worker claims to run.
    assert [job.id for job in state.running_jobs] == [first.id, orphan.id, second.id]
    assert [job.worker for job in state.running_jobs] == ["celery@gpu-1", "", "celery@gpu-2"]
    assert state.running_jobs[0].owner == first.owner.username


def test_a_worker_without_the_command_is_listed_with_an_unknown_device(db, empty_queues):
    replies = [{"celery@old": {"error": "No such command: stemworks_worker"}}]

    with mock.patch.object(app.control, "broadcast", return_value=replies):
        state = broker.broker_state()

    assert state.workers == (
        broker.WorkerReport(
            name="celery@old", queues=(), concurrency=None, device="unknown", task_ids=()
        ),
    )
