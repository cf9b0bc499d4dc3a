"""Queue throughput and recovery: many short jobs through real workers, then one worker killed.

Run from the repository root with a PostgreSQL database and a Redis db the bench may fill
(it migrates the database, flushes that Redis db, and leaves its jobs behind):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stemworks_bench \\
    REDIS_URL=redis://127.0.0.1:6379/7 \\
        .venv/bin/python bench/queue_recovery.py [--jobs 200] [--seconds 2] [--workers 2]

Two runs, each with `--jobs` queued jobs of a `--seconds` song, `--workers` Celery workers
(concurrency 1 each) and beat, on the production defaults (a heartbeat every 10 s, a
job silent for 60 s is re-queued, the reconciler every 15 s):

1. steady: all jobs must succeed on their first attempt; prints the throughput.
2. kill: when half the jobs are done, one worker is SIGKILLed whole (its pool too); all
   jobs must still succeed, each charged once with one set of stems; prints when the
   killed worker's job was re-queued, started again (it waits its turn behind the jobs
   still queued) and succeeded, counted from the kill, and the throughput.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.django_bench import django_on_postgres, load_average  # noqa: E402

CELERY = [sys.executable, "-m", "celery", "-A", "workers"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        print("Set REDIS_URL to a Redis db the bench may flush.", file=sys.stderr)
        return 2
    media = django_on_postgres("stemworks-queue-")
    if media is None:
        return 2
    os.environ["STEMWORKS_ALLOW_MODEL_DOWNLOAD"] = "1"
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    print(f"{args.jobs} jobs of {args.seconds:g} s, {args.workers} workers; load {load_average()}")
    steady = run(args, kill=False)
    killed = run(args, kill=True)
    print(f"\nthroughput: steady {steady:.1f} jobs/min, with a worker killed {killed:.1f} jobs/min")
    return 0


def run(args: argparse.Namespace, *, kill: bool) -> float:
    """Queue the jobs, run them to the end, check each ran once; return jobs per minute."""
    from webapp.jobs.models import Job, Status

    job_ids = queue_jobs(args.jobs, args.seconds)
    with tempfile.TemporaryDirectory(prefix="stemworks-queue-") as scratch:
        processes = start(args.workers, Path(scratch))
        started = time.monotonic()
        killed_at = None
        try:
            while True:
                done = Job.objects.filter(id__in=job_ids, status__in=FINISHED).count()
                if kill and killed_at is None and done >= len(job_ids) // 2:
                    killed_at = time.monotonic()
                    kill_whole(processes[1].pid)
                if done == len(job_ids):
                    break
                time.sleep(0.5)
        finally:
            for process in processes:
                stop(process)
        took = time.monotonic() - started
    jobs = Job.objects.filter(id__in=job_ids)
    statuses = Counter(jobs.values_list("status", flat=True))
    attempts = Counter(jobs.values_list("attempts", flat=True))
    print(f"\n{'kill' if kill else 'steady'}: {len(job_ids)} jobs in {took:.1f} s")
    print(f"  statuses {dict(statuses)}; attempts {dict(sorted(attempts.items()))}")
    print(
        f"  charged once each: {charged_once(job_ids)}; one set of stems each: {stems_once(jobs)}"
    )
    if kill and killed_at is not None:
        kill_wall = time.time() - (time.monotonic() - killed_at)
        for job in jobs.filter(attempts__gt=1):
            ahead = jobs.filter(created_at__lt=job.created_at, started_at__gt=job.queued_at)
            moments = (job.queued_at, job.started_at, job.finished_at)
            requeued, restarted, done = (at.timestamp() - kill_wall for at in moments)
            print(
                f"  the killed worker's job: re-queued {requeued:.1f} s after the kill, started"
                f" again after {restarted:.1f} s (behind {ahead.count()} jobs queued before it),"
                f" succeeded after {done:.1f} s"
            )
    assert statuses == {Status.SUCCEEDED: len(job_ids)}, "a job did not succeed"
    return len(job_ids) / took * 60


FINISHED = ("succeeded", "failed", "cancelled")


def queue_jobs(count: int, seconds: float) -> list:
    """Create a paying user's `count` full jobs of a `seconds` song (each sent to the queue)."""
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from separation import audio
    from webapp.accounts.models import EmailVerification
    from webapp.billing.services import credits_grant
    from webapp.jobs.services import job_create

    user = get_user_model().objects.create_user(f"bench-{time.time_ns()}", "b@example.com")
    EmailVerification.objects.create(user=user, email=user.email, verified_at=_now())
    credits_grant(user=user, amount=count * 10, reason="bench")
    rng = np.random.default_rng(0)
    song = (0.1 * rng.standard_normal((2, int(seconds * 44100)))).astype(np.float32)
    data = audio.encode_audio(song, 44100, "flac")
    ids = []
    for n in range(count):
        with transaction.atomic():
            upload = SimpleUploadedFile(f"song-{n}.flac", data, content_type="audio/flac")
            ids.append(job_create(owner=user, model="unet-2stems", upload=upload).id)
    return ids


def _now():
    from django.utils import timezone

    return timezone.now()


def start(workers: int, scratch: Path) -> list[subprocess.Popen]:
    """Start beat, then `workers` workers; the workers come first in the returned list."""
    env = {**os.environ, "STEMWORKS_VAR_DIR": str(scratch)}
    logs = scratch / "logs"
    logs.mkdir()
    processes = []
    for n in range(workers):
        command = [*CELERY, "worker", "-Q", "gpu,default", "--concurrency", "1",
                   "--without-gossip", "--without-mingle", "--hostname", f"b{n}@%h"]  # fmt: skip
        processes.append(_spawn(command, env, logs / f"worker-{n}.log"))
    beat = [*CELERY, "beat", "--schedule", str(scratch / "schedule")]
    return [*processes, _spawn(beat, env, logs / "beat.log")]


def _spawn(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def kill_whole(pid: int) -> None:
    """SIGKILL a worker and its pool processes, holding the parent still first."""
    os.kill(pid, signal.SIGSTOP)
    for child in _children(pid):
        os.kill(child, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(stat.parent.name))
    return found


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def charged_once(job_ids: list) -> bool:
    from webapp.billing.models import CreditTransaction
    from webapp.billing.services import job_reference

    references = [job_reference(job_id) for job_id in job_ids]
    rows = CreditTransaction.objects.filter(reference__in=references)
    kinds = Counter(rows.values_list("reference", "kind"))
    return all(kinds[(ref, "charge")] == 1 and not kinds[(ref, "refund")] for ref in references)


def stems_once(jobs) -> bool:
    from django.db.models import Count

    counts = jobs.annotate(n=Count("stems")).values_list("n", flat=True)
    return set(counts) == {2}


if __name__ == "__main__":
    sys.exit(main())
