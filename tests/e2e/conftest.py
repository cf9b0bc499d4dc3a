"""A real Celery worker process on the test database, Redis and storage."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(transactional_db, redis_url, media_root, tmp_path):
    """Start a real Celery worker process on the test database, Redis and storage."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "STEMWORKS_MEDIA_ROOT": str(media_root),
        "STEMWORKS_VAR_DIR": str(tmp_path / "var"),
        "STEMWORKS_PROGRESS_INTERVAL_S": "0.5",
    }
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "run with PostgreSQL"
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", "-Q", "gpu,default",
         "--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
         "--hostname", f"e2e-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield process, tmp_path / "worker.log"
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()
