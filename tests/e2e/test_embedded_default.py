"""The embedded default (SQLite, filesystem broker) holds parallel uploads while the worker writes.

The stack runs as `make run` starts it: runserver, a Celery worker and beat, each its own
process on one SQLite file, with no DATABASE_URL or REDIS_URL in their environment.
"""

import io
import json
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import soundfile as sf

from tests.e2e.live_server import (
    ROOT,
    api_key_create,
    embedded_env,
    get_json,
    manage,
    multipart,
    request,
    running_stack,
)

UPLOADS = 40
PARALLEL = 8


def tone(seconds: float, frequency: float, rate: int = 44100) -> bytes:
    """Return a stereo WAV of a sine tone with a little noise, so each upload differs."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(int(frequency))
    left = 0.4 * np.sin(2 * np.pi * frequency * t) + 0.02 * rng.standard_normal(t.size)
    right = 0.4 * np.sin(2 * np.pi * frequency * 1.5 * t)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([left, right], axis=1).astype("float32"), rate, format="WAV")
    return buffer.getvalue()


@pytest.mark.slow
def test_parallel_preview_uploads_all_succeed_on_sqlite_and_the_filesystem_broker(tmp_path):
    var = tmp_path / "var"
    env = embedded_env(
        var,
        STEMWORKS_PREVIEWS_PER_DAY="1000",
        STEMWORKS_UPLOAD_THROTTLE_RATE="1000/hour",
        # Beat's housekeeping runs every few seconds, so the worker writes during uploads.
        STEMWORKS_RECONCILE_EVERY_S="2",
        STEMWORKS_PROGRESS_INTERVAL_S="0.2",
    )
    manage(env, "migrate", "--noinput")
    key = api_key_create(env, username="uploader")

    with running_stack(env, tmp_path) as stack:

        def upload(i: int) -> tuple[int, bytes]:
            body, content_type = multipart(
                {"model": "unet-2stems", "kind": "preview"},
                {"file": (f"tone-{i}.wav", tone(1 + i % 3, 220 + 10 * i))},
            )
            return request(
                stack.url, "POST", "/api/v1/jobs", key=key, body=body, content_type=content_type
            )

        with ThreadPoolExecutor(PARALLEL) as pool:
            answers = list(pool.map(upload, range(UPLOADS)))

        refused = [status for status, _ in answers if status != 201]
        assert refused == [], f"{len(refused)} of {UPLOADS} uploads refused:\n" + _errors(stack)
        pending = [json.loads(body)["id"] for _, body in answers]
        assert len(set(pending)) == UPLOADS

        jobs = {}
        deadline = time.monotonic() + 900
        while pending and time.monotonic() < deadline:
            stack.assert_alive()
            # The worker takes jobs roughly in upload order: look up to the first unfinished one.
            while pending:
                job = get_json(stack.url, f"/api/v1/jobs/{pending[0]}", key=key)
                if job["status"] not in ("succeeded", "failed", "cancelled"):
                    break
                jobs[pending.pop(0)] = job
            time.sleep(1)
        logs = {name: stack.log_text(name) for name in stack.logs}

    assert not pending, f"{len(pending)} jobs unfinished:\n" + logs["worker"][-3000:]
    unhappy = {i: (j["status"], j["error"]) for i, j in jobs.items() if j["status"] != "succeeded"}
    assert unhappy == {}, unhappy
    assert all(
        [stem["name"] for stem in job["stems"]] == ["vocals", "accompaniment"]
        for job in jobs.values()
    )
    for name, text in logs.items():
        assert "database is locked" not in text, f"{name}:\n{text[-3000:]}"
    # All of it ran on the embedded SQLite file, which the settings put in WAL mode.
    with sqlite3.connect(var / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_messages_sent_from_parallel_threads_reach_a_polling_worker_whole(tmp_path):
    # Large messages widen the moment in which a message is being written; a worker that
    # looks then must see either nothing or the whole message, never an empty file.
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.broker_probe", "500", "100000"],
        cwd=ROOT,
        env=embedded_env(tmp_path / "var"),
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) == {"received": 500, "errors": []}


def _errors(stack) -> str:
    """Return the distinct error lines of every process log (what a reviewer would grep for)."""
    lines = {
        f"{name}: {line.strip()}"
        for name in stack.logs
        for line in stack.log_text(name).splitlines()
        if "Error" in line or "locked" in line
    }
    return "\n".join(sorted(lines)[:20])
