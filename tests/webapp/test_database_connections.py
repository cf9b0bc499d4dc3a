"""A web process keeps its PostgreSQL connection between requests, not one per request."""

import os
import subprocess
import sys
import time

from django.db import connection

from tests.e2e.live_server import ROOT, free_port, request
from tests.factories import UserFactory
from webapp.accounts.services import api_token_create


def server_connections() -> list[int]:
    """Return the ids of the other backends connected to the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return sorted(pid for (pid,) in cursor.fetchall())


def test_gunicorn_serves_many_requests_on_one_database_connection(transactional_db, tmp_path):
    _, key = api_token_create(user=UserFactory(), name="reuse")
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "DB_CONN_MAX_AGE"}
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        STEMWORKS_VAR_DIR=str(tmp_path / "var"),
    )
    url = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "webapp.wsgi", "--bind", url[7:], "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert request(url, "GET", "/api/v1/jobs", key=key)[0] == 200
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "no gunicorn"
                time.sleep(0.2)
        first = server_connections()
        for _ in range(5):
            assert request(url, "GET", "/api/v1/jobs", key=key)[0] == 200

        assert len(first) == 1
        assert server_connections() == first
    finally:
        server.terminate()
        server.wait(timeout=30)
