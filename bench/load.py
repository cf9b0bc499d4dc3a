"""Load: 50 clients polling and listing jobs plus 5 uploading, on gunicorn, PostgreSQL and Redis.

Run from the repository root with a PostgreSQL database and a Redis database the bench may
fill (it migrates the database, adds users with finished and queued jobs, and deletes them
and the queued messages at the end; no worker is needed: uploads only queue jobs):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stemworks_load \\
    REDIS_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/load.py [--duration 60] [--pollers 50] [--uploaders 5]

Each poller is a closed loop (no pause by default; `--pause S` between requests): it asks
for the status of one of its user's jobs (`GET /api/v1/jobs/<id>`), and every fifth request
lists the first page of jobs (`GET /api/v1/jobs`). Each uploader sends a 1-second WAV
(`POST /api/v1/jobs`, a full job) in a loop. Every request opens a new connection, as
gunicorn's sync workers close them. The throttles are raised for the run through the
environment. Traffic goes to 127.0.0.1 only.

Printed: requests per second, the error count (anything but 200/201, or no answer) and
p50/p99/max latency per endpoint. The clients are Python threads on the same machine, so on
a small machine they take CPU from the server: the figures are pessimistic; the load
average is printed beside them. Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.django_bench import django_on_postgres, load_average  # noqa: E402

UNLIMITED = "1000000/minute"
STATUS, LIST, UPLOAD = "GET /api/v1/jobs/<id>", "GET /api/v1/jobs", "POST /api/v1/jobs"
LIST_EVERY = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--pollers", type=int, default=50)
    parser.add_argument("--uploaders", type=int, default=5)
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds a client waits between its requests"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--users", type=int, default=10, help="customers the clients share")
    parser.add_argument("--jobs", type=int, default=30, help="finished jobs per customer")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        print("Set REDIS_URL to a Redis database the bench may fill.", file=sys.stderr)
        return 2
    for name in ("STEMWORKS_UPLOAD_THROTTLE_RATE", "STEMWORKS_AUTH_THROTTLE_RATE"):
        os.environ[name] = UNLIMITED
    media = django_on_postgres("load-")
    if media is None:
        return 2
    users = seed(args.users, args.jobs)
    try:
        with gunicorn(args.workers) as port:
            print(
                f"gunicorn webapp.wsgi, {args.workers} workers; {args.users} customers with "
                f"{args.jobs} finished jobs (2 stems) and 3 queued jobs each; "
                f"{args.pollers} pollers, {args.uploaders} uploaders, pause {args.pause} s; "
                f"load average at start: {load_average()}"
            )
            results = run_load(port, users, args)
        print(f"load average at end: {load_average()}")
        return report(results, args.duration)
    finally:
        cleanup(users)
        shutil.rmtree(media, ignore_errors=True)


def seed(users: int, jobs: int) -> list[dict]:
    """Create paying customers, each with finished and queued jobs and an API token."""
    from tests.factories import JobFactory, UserFactory, paying_user, succeeded_job
    from webapp.accounts.services import api_token_create

    tag = uuid.uuid4().hex[:8]
    seeded = []
    for n in range(users):
        user = paying_user(UserFactory(username=f"load-{tag}-{n}"), credits=1_000_000)
        ids = [str(succeeded_job(user, seconds=0.05).id) for _ in range(jobs)]
        ids += [str(JobFactory(owner=user).id) for _ in range(3)]
        key = api_token_create(user=user, name="load")[1]
        seeded.append({"user": user, "key": key, "ids": ids})
    return seeded


class gunicorn:
    """Run `gunicorn webapp.wsgi` on a free 127.0.0.1 port for the length of a with-block."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def __enter__(self) -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "webapp.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--timeout", "120", "--log-level", "warning"],
            cwd=ROOT, env={**os.environ, "PYTHONWARNINGS": "ignore:No directory at:UserWarning"},
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError("gunicorn exited")
            try:
                request(self.port, "GET", "/healthz")
                return self.port
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer")

    def __exit__(self, *exc) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)


def request(port: int, method: str, path: str, *, headers=None, body=None) -> tuple[int, float]:
    """Send one request on a new connection; return its status and latency in ms."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response.status, 1000 * (time.perf_counter() - start)


def upload_body() -> tuple[bytes, str]:
    """Return a multipart form with a 1-second WAV (a full job) and its content type."""
    from tests.factories import wav_bytes

    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="file"; filename="load.wav"\r\n',
            b"Content-Type: audio/wav\r\n\r\n",
            wav_bytes(1.0),
            f"\r\n--{boundary}\r\n".encode(),
            b'Content-Disposition: form-data; name="kind"\r\n\r\nfull',
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return body, f"multipart/form-data; boundary={boundary}"


def run_load(port: int, users: list[dict], args) -> dict[str, dict]:
    """Run the pollers and uploaders for `args.duration` s; return latencies and errors."""
    results: dict[str, dict] = defaultdict(lambda: {"ms": [], "errors": defaultdict(int)})
    lock = threading.Lock()
    start = threading.Barrier(args.pollers + args.uploaders + 1)
    stop_at = [0.0]
    body, content_type = upload_body()

    def record(endpoint: str, call) -> None:
        try:
            status, ms = call()
            error = None if status in (200, 201) else f"HTTP {status}"
        except OSError as exc:
            ms, error = None, type(exc).__name__
        with lock:
            if error is None:
                results[endpoint]["ms"].append(ms)
            else:
                results[endpoint]["errors"][error] += 1

    def poller(n: int) -> None:
        customer = users[n % len(users)]
        headers = {"Authorization": f"Token {customer['key']}"}
        rng = random.Random(n)
        start.wait()
        i = 0
        while time.monotonic() < stop_at[0]:
            i += 1
            if i % LIST_EVERY == 0:
                record(LIST, lambda: request(port, "GET", "/api/v1/jobs", headers=headers))
            else:
                path = f"/api/v1/jobs/{rng.choice(customer['ids'])}"
                record(STATUS, lambda path=path: request(port, "GET", path, headers=headers))
            time.sleep(args.pause)

    def uploader(n: int) -> None:
        customer = users[n % len(users)]
        headers = {"Authorization": f"Token {customer['key']}", "Content-Type": content_type}
        start.wait()
        send = lambda: request(port, "POST", "/api/v1/jobs", headers=headers, body=body)  # noqa: E731
        while time.monotonic() < stop_at[0]:
            record(UPLOAD, send)
            time.sleep(args.pause)

    threads = [threading.Thread(target=poller, args=(n,)) for n in range(args.pollers)]
    threads += [threading.Thread(target=uploader, args=(n,)) for n in range(args.uploaders)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + args.duration
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    results["_elapsed"] = {"seconds": time.perf_counter() - began}
    return results


def report(results: dict[str, dict], duration: float) -> int:
    """Print requests per second, errors and p50/p99/max per endpoint; 1 on any error."""
    elapsed = results.pop("_elapsed")["seconds"]
    total = sum(len(r["ms"]) + sum(r["errors"].values()) for r in results.values())
    errors = sum(sum(r["errors"].values()) for r in results.values())
    rate = total / elapsed
    print(f"\n{total} requests in {elapsed:.1f} s: {rate:.1f} requests/s, {errors} errors")
    print(f"{'endpoint':24} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for endpoint in (STATUS, LIST, UPLOAD):
        row = results.get(endpoint)
        if row is None:
            continue
        ms = sorted(row["ms"])
        count = len(ms) + sum(row["errors"].values())
        figures = f"{percentile(ms, 50):8.1f} {percentile(ms, 99):8.1f} {ms[-1]:8.1f}" if ms else ""
        print(f"{endpoint:24} {count:8d} {count / elapsed:7.1f} {figures}")
        for error, n in sorted(row["errors"].items()):
            print(f"    {n} x {error}")
    return 1 if errors else 0


def percentile(sorted_values: list[float], percent: float) -> float:
    index = min(len(sorted_values) - 1, round(percent / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]


def cleanup(users: list[dict]) -> None:
    """Delete the customers (their jobs go with them) and the messages the uploads queued."""
    import redis
    from django.conf import settings

    from webapp.billing.models import CreditTransaction

    for customer in users:
        # The ledger keeps its rows when a user goes; a bench's rows have no reason to stay.
        CreditTransaction.objects.filter(user=customer["user"]).delete()
        customer["user"].delete()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("gpu")


if __name__ == "__main__":
    sys.exit(main())
