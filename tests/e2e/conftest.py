"""Real Celery worker processes on the test database, Redis and storage."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = [sys.executable, "-m", "celery"]
WORKER_ARGS = ["-A", "workers", "worker", "-Q", "gpu,default", "--concurrency", "1",
               "--without-gossip", "--without-mingle", "--loglevel", "INFO"]  # fmt: skip


@pytest.fixture
def worker_env(transactional_db, redis_url, media_root, tmp_path) -> dict[str, str]:
    """The environment of the tests' worker and beat processes: the test database and Redis."""
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "run with PostgreSQL"
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "STEMWORKS_MEDIA_ROOT": str(media_root),
        "STEMWORKS_VAR_DIR": str(tmp_path / "var"),
        "STEMWORKS_PROGRESS_INTERVAL_S": "0.5",
    }


@pytest.fixture
def spawn(tmp_path):
    """Start a process logging to tmp_path/<name>.log: `spawn(command, env, name)`; all are
    stopped after the test. Returns (process, log path)."""
    started = []

    def start(command: list[str], env: dict[str, str], name: str):
        log_path = tmp_path / f"{name}.log"
        log = open(log_path, "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        return process, log_path

    yield start
    for process, log in started:
        _stop(process)
        log.close()


@pytest.fixture
def start_worker(worker_env, spawn):
    """Start real Celery worker processes: `start_worker(env=..., launcher=...)`.

    `env` adds to the worker's environment; `launcher` replaces `python -m celery`
    (helpers.HANGING_ENGINE_WORKER, for one). Returns (process, log path); all are stopped after.
    """
    count = 0

    def start(*, env: dict[str, str] | None = None, launcher: list[str] = CELERY):
        nonlocal count
        hostname = f"e2e-{os.getpid()}-{count}@%h"
        command = [*launcher, *WORKER_ARGS, "--hostname", hostname]
        started = spawn(command, {**worker_env, **(env or {})}, f"worker-{count}")
        count += 1
        return started

    return start


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def worker(start_worker):
    """Start a real Celery worker process on the test database, Redis and storage."""
    return start_worker()


@pytest.fixture
def start_beat(worker_env, spawn, tmp_path):
    """Start a real Celery beat process (the reconciler's clock): `start_beat(env=...)`."""

    def start(*, env: dict[str, str] | None = None):
        schedule = tmp_path / "celerybeat-schedule"
        command = [
            *CELERY,
            "-A",
            "workers",
            "beat",
            "--schedule",
            str(schedule),
            "--loglevel",
            "INFO",
        ]
        return spawn(command, {**worker_env, **(env or {})}, "beat")

    return start
