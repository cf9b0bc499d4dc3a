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
def start_worker(worker_env, tmp_path):
    """Start real Celery worker processes: `start_worker(env=..., launcher=...)`.

    `env` adds to the worker's environment; `launcher` replaces `python -m celery`
    (helpers.HANGING_ENGINE_WORKER, for one). Returns (process, log path); all are stopped after.
    """
    base_env = worker_env
    started = []

    def start(*, env: dict[str, str] | None = None, launcher: list[str] = CELERY):
        log_path = tmp_path / f"worker-{len(started)}.log"
        log = open(log_path, "wb")  # noqa: SIM115 - closed below
        hostname = f"e2e-{os.getpid()}-{len(started)}@%h"
        process = subprocess.Popen(
            [*launcher, *WORKER_ARGS, "--hostname", hostname],
            cwd=ROOT, env={**base_env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append((process, log))
        return process, log_path

    yield start
    for process, log in started:
        _stop(process)
        log.close()


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
def start_beat(worker_env, tmp_path):
    """Start a real Celery beat process (the reconciler's clock): `start_beat(env=...)`."""
    started = []

    def start(*, env: dict[str, str] | None = None):
        log_path = tmp_path / "beat.log"
        log = open(log_path, "wb")  # noqa: SIM115 - closed below
        schedule = tmp_path / "celerybeat-schedule"
        process = subprocess.Popen(
            [*CELERY, "-A", "workers", "beat", "--schedule", str(schedule), "--loglevel", "INFO"],
            cwd=ROOT, env={**worker_env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append((process, log))
        return process, log_path

    yield start
    for process, log in started:
        _stop(process)
        log.close()
