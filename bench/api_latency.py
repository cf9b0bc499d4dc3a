"""API latency: `GET /api/v1/jobs` (a page of 20) on gunicorn and PostgreSQL.

Run from the repository root with a PostgreSQL database the bench may use (it migrates
it, adds a user with `--jobs` finished jobs of two stems each, and deletes them at the end):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stemworks_bench \\
        .venv/bin/python bench/api_latency.py [--jobs 200] [--requests 200] [--clients 20]

What it measures:

1. In-process (Django's test client, no HTTP): the SQL queries one page makes, grouped by
   shape; the time of one request and how much of it is spent inside SQL; and a profile
   of where the rest goes (functions by cumulative time).
2. Over HTTP against `gunicorn webapp.wsgi --workers 2`, a fresh connection per request
   as a script would make: latency with one client (median and p90 of `--requests`) and
   with `--clients` concurrent clients (p50 and p99, each client sending `--requests`
   / 4 requests). Both for DB_CONN_MAX_AGE=0 (a new database connection per request,
   the default) and DB_CONN_MAX_AGE=60 (persistent connections).

The clients are Python threads on the same machine: on a small machine they take CPU
from the server, so the concurrent figures are pessimistic. The load average is printed.
Targets (issue 7): under 15 ms per page with one client, p99 under 100 ms at 20 clients.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import os
import pstats
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.django_bench import django_on_postgres, load_average  # noqa: E402

PAGE = "/api/v1/jobs"
TARGET_ONE_MS, TARGET_P99_MS = 15.0, 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    media = django_on_postgres("api-latency-")
    if media is None:
        return 2
    print(f"load average at start: {load_average()}")
    user, key = seed(args.jobs)
    try:
        print(f"\n== in-process: one page of {PAGE} ({args.jobs} jobs, 2 stems each)")
        in_process(key)
        verdicts = []
        for max_age in ("0", "60"):
            print(f"\n== gunicorn, 2 workers, DB_CONN_MAX_AGE={max_age}")
            one, p99 = over_http(key, max_age, args.requests, args.clients)
            verdicts.append(
                f"DB_CONN_MAX_AGE={max_age}: one client {one:.1f} ms "
                f"({'ok' if one < TARGET_ONE_MS else 'MISSED'} < {TARGET_ONE_MS:.0f} ms), "
                f"p99 at {args.clients} clients {p99:.1f} ms "
                f"({'ok' if p99 < TARGET_P99_MS else 'MISSED'} < {TARGET_P99_MS:.0f} ms)"
            )
        print(f"\nload average at end: {load_average()}")
        print("\n".join(["", "== verdict", *verdicts]))
    finally:
        user.delete()
        shutil.rmtree(media, ignore_errors=True)
    return 0


def seed(jobs: int):
    """Create a user with `jobs` finished jobs (two short stems each) and a named token."""
    from tests.factories import UserFactory, succeeded_job
    from webapp.accounts.services import api_token_create

    user = UserFactory(username=f"bench-{uuid.uuid4().hex[:8]}")
    for _ in range(jobs):
        succeeded_job(user, seconds=0.05)
    return user, api_token_create(user=user, name="bench")[1]


def in_process(key: str, repeats: int = 100) -> None:
    """Print the queries of one page, SQL's share of its time, and a profile of the rest."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE)
    assert response.status_code == 200, response.content[:300]
    assert len(response.json()["results"]) == 20, "expected a full page of 20"
    shapes = Counter(_shape(query["sql"]) for query in captured.captured_queries)
    print(f"SQL queries per page: {len(captured.captured_queries)}")
    for shape, count in shapes.most_common():
        print(f"  {count:3d} x {shape}")

    sql_seconds = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds.append(time.perf_counter() - start)

    totals, in_sql = [], []
    for _ in range(repeats):
        sql_seconds.clear()
        start = time.perf_counter()
        with connection.execute_wrapper(timed):
            client.get(PAGE)
        totals.append(time.perf_counter() - start)
        in_sql.append(sum(sql_seconds))
    total_ms, sql_ms = 1000 * statistics.median(totals), 1000 * statistics.median(in_sql)
    print(
        f"one request in-process: median {total_ms:.1f} ms, of which {sql_ms:.1f} ms in SQL "
        f"and {total_ms - sql_ms:.1f} ms in Python (auth, queryset, serializer, rendering)"
    )

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(repeats):
        client.get(PAGE)
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
    print(f"where one request's {total_ms:.1f} ms go (profiled shares, scaled to that median):")
    for phase, ms in _phases(stats, total_ms):
        print(f"  {ms:5.1f} ms  {phase}")
    # Our code and DRF's, where a page's time is decided; per request, in ms.
    stats.print_stats(r"webapp/|rest_framework/(serializers|fields|relations|pagination)", 15)
    print(f"profile of {repeats} in-process requests (cumtime is for all {repeats}):")
    print("\n".join(line for line in out.getvalue().splitlines() if re.search(r"\d\.\d", line)))


# (what, file pattern, function name): the outermost call of each phase of a request.
PHASES = [
    (
        "authentication (token SELECT + UPDATE last_used_at)",
        r"rest_framework/request",
        "_authenticate",
    ),
    (
        "page queries (COUNT, page of jobs, prefetched stems)",
        r"rest_framework/pagination",
        "paginate_queryset",
    ),
    ("serialization of the page", r"rest_framework/serializers", "data"),
    ("  of which reverse() for stem/zip/result URLs", r"django/urls/base", "reverse"),
    ("  of which DateTimeField formatting", r"rest_framework/fields", "enforce_timezone"),
    ("JSON rendering", r"rest_framework/renderers", "render"),
    ("opening database connections", r"django/db/backends/base/base", "connect"),
]


def _phases(stats: pstats.Stats, total_ms: float) -> list[tuple[str, float]]:
    """Return each phase's share of the profiled time, in ms of an unprofiled request."""
    whole = stats.total_tt
    rows = []
    for phase, file_pattern, function in PHASES:
        cumulative = max(
            (
                ct
                for (file, _, name), (_, _, _, ct, _) in stats.stats.items()
                if name == function and re.search(file_pattern, file)
            ),
            default=0.0,
        )
        rows.append((phase, total_ms * cumulative / whole))
    return rows


def _shape(sql: str) -> str:
    """Return a query with its literals elided, so repeated per-row queries group together."""
    sql = re.sub(r"'[^']*'|\b\d+\b", "?", sql)
    sql = re.sub(r"\(\?(, \?)*\)", "(...)", sql)
    table = re.search(r'\bFROM "(\w+)"|\bUPDATE "(\w+)"|\bINSERT INTO "(\w+)"', sql)
    verb = sql.split()[0]
    name = next((g for g in table.groups() if g), "?") if table else "?"
    where = sql.split(" WHERE ", 1)[1][:90] if " WHERE " in sql else ""
    return f"{verb} {name} WHERE {where}" if where else f"{verb} {name}"


def over_http(key: str, max_age: str, requests: int, clients: int) -> tuple[float, float]:
    """Start gunicorn, measure one client and then `clients` at once; return median and p99."""
    port = _free_port()
    env = {**os.environ, "DB_CONN_MAX_AGE": max_age}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "webapp.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        _wait_for_server(port, key, server)
        for _ in range(20):  # warm both workers up
            _get(port, key)
        one = sorted(_get(port, key) for _ in range(requests))
        print(
            f"1 client, {requests} requests: median {statistics.median(one):.1f} ms, "
            f"p90 {_percentile(one, 90):.1f} ms"
        )
        start = time.perf_counter()
        many = _concurrent(port, key, clients, max(1, requests // 4))
        rate = len(many) / (time.perf_counter() - start)
        print(
            f"{clients} clients, {len(many)} requests: p50 {_percentile(many, 50):.1f} ms, "
            f"p99 {_percentile(many, 99):.1f} ms, max {many[-1]:.1f} ms, {rate:.0f} requests/s"
        )
        return statistics.median(one), _percentile(many, 99)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _concurrent(port: int, key: str, clients: int, each: int) -> list[float]:
    latencies: list[float] = []
    start = threading.Barrier(clients)

    def client() -> None:
        start.wait()
        mine = [_get(port, key) for _ in range(each)]
        latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(latencies)


def _get(port: int, key: str) -> float:
    """GET one page on a fresh connection; return its latency in milliseconds."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", PAGE, headers={"Authorization": f"Token {key}"})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 200, response.status
    return 1000 * (time.perf_counter() - start)


def _percentile(sorted_values: list[float], percent: float) -> float:
    index = min(len(sorted_values) - 1, round(percent / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(port: int, key: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            _get(port, key)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


if __name__ == "__main__":
    sys.exit(main())
