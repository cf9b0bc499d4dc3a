"""Peak memory of a worker running one job end to end, against the engine alone.

Run from the repository root:

    .venv/bin/python bench/worker_memory.py [--minutes 10] [--threads 2] [--model unet-2stems]

It writes a song of `--minutes` (the example song shipped with the weights, tiled) as a
FLAC upload, then measures, each in a fresh child process so that no figure carries
another's memory:

- "idle": Python, Django, torch and the model's weights loaded, nothing else;
- "engine, whole stems" (the baseline): the engine as `Separator.separate` runs it:
  decode the upload, separate it into whole arrays (`inplace=True`, so the song's buffer
  becomes a stem), nothing stored; this is also what the worker did before it streamed;
- "engine, streamed": decode, then `Separator.separate_blocks`, each block dropped as it
  comes (the floor for a worker that writes blocks as they are made);
- "worker": what a worker process does for one job (workers.pipeline.run_job on a claimed
  job, on an embedded SQLite database and local files in a scratch folder): decode,
  separate block by block straight into each stem's float WAV master, encode every stem
  in every stored format (float WAV, 24-bit FLAC, 320 kb/s MP3, 128 kb/s listening MP3),
  store each file, write the rows.

Peak RSS is the process' VmHWM (/proc/self/status), in MB of 10^6 bytes, the same
measure as bench/separation_speed.py. For the worker it is also given per stage: the
peak is reset (/proc/self/clear_refs) as each stage begins, so each figure is that
stage's own high-water mark. Each figure is also given against the baseline measured in
the same run; the target is a worker peak under 1000 MB on a 10-minute song.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD_MARKER = "WORKER-MEMORY "
TARGET_MB = 1000.0


def read_status(field: str) -> float:
    """Return a VmHWM/VmRSS-style field of /proc/self/status in MB (0 where unknown)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024 / 1e6
    return 0.0


def reset_peak() -> None:
    """Start a new high-water mark at the current size (Linux: clear_refs 5)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def write_song(path: Path, minutes: float) -> None:
    """Write the example song tiled to `minutes` as FLAC, block by block."""
    from separation.audio import SAMPLE_RATE, AudioWriter, read_audio
    from separation.pretrained import example_song

    song = read_audio(example_song()).samples
    frames = int(minutes * 60 * SAMPLE_RATE)
    with AudioWriter(path, SAMPLE_RATE, "flac", wav_depth="16") as writer:
        for start in range(0, frames, song.shape[1]):
            writer.write(song[:, : min(song.shape[1], frames - start)])


# ------------------------------------------------------------------- child processes


def setup_django(scratch: Path) -> None:
    """Configure the embedded defaults (SQLite, local files) inside `scratch`."""
    for name in ("DATABASE_URL", "REDIS_URL", "STEMWORKS_S3_BUCKET"):
        os.environ.pop(name, None)
    os.environ["STEMWORKS_VAR_DIR"] = str(scratch / "var")
    os.environ["STEMWORKS_MEDIA_ROOT"] = str(scratch / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def child_idle(args: argparse.Namespace) -> dict:
    from workers.engine import get_separator

    get_separator(args.model)
    return {"peak_mb": read_status("VmHWM")}


def child_engine(args: argparse.Namespace) -> dict:
    """Decode and separate into whole arrays (`separate`, in place): the baseline."""
    from separation.audio import read_audio
    from workers.engine import get_separator

    separator = get_separator(args.model)
    idle = read_status("VmRSS")
    started = time.monotonic()
    decoded = read_audio(args.song)
    stems = separator.separate(decoded.samples, inplace=True)
    del decoded
    return {
        "idle_mb": idle,
        "peak_mb": read_status("VmHWM"),
        "seconds": time.monotonic() - started,
        "stems": len(stems),
    }


def child_blocks(args: argparse.Namespace) -> dict:
    """Decode and separate block by block (`separate_blocks`), dropping each block."""
    from separation.audio import read_audio
    from workers.engine import get_separator

    separator = get_separator(args.model)
    idle = read_status("VmRSS")
    started = time.monotonic()
    decoded = read_audio(args.song)
    blocks = 0
    for _ in separator.separate_blocks(decoded.samples):
        blocks += 1
    del decoded
    return {
        "idle_mb": idle,
        "peak_mb": read_status("VmHWM"),
        "seconds": time.monotonic() - started,
        "blocks": blocks,
    }


def child_worker(args: argparse.Namespace) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.files import File

    import workers.pipeline
    import workers.progress
    from webapp.jobs.lifecycle import job_claim
    from webapp.jobs.models import Job, StemFile
    from workers.engine import get_separator

    separator = get_separator(args.model)
    user = get_user_model().objects.create(username="bench")
    job = Job(owner=user, original_name="song.flac", duration=args.minutes * 60, model=args.model)
    with open(args.song, "rb") as f:
        job.input_file.save("song.flac", File(f))
    claimed = job_claim(job_id=job.id)
    assert claimed is not None
    stages: dict[str, float] = {}
    current: dict = {"stage": "claimed", "at": time.monotonic()}
    timings: dict[str, float] = {"imports + weights": 0.0}
    starts: dict[str, float] = {}
    original = workers.progress.report

    def report(job_id: object, progress: int, stage: str) -> None:
        if stage != current["stage"]:
            # Close the previous stage: its own peak, then start a new one from here.
            stages[current["stage"]] = read_status("VmHWM")
            timings[current["stage"]] = time.monotonic() - current["at"]
            current.update(stage=stage, at=time.monotonic())
            starts[stage] = read_status("VmRSS")
            reset_peak()
        original(job_id, progress, stage)

    workers.pipeline.report = report
    workers.progress.report = report
    idle = read_status("VmRSS")
    # Loading Django, torch and the weights peaks too: that belongs to the worker's peak.
    stages["imports + weights"] = read_status("VmHWM")
    starts["claimed"] = idle
    started = time.monotonic()
    reset_peak()
    assert workers.pipeline.run_job(claimed)
    stages[current["stage"]] = read_status("VmHWM")
    timings[current["stage"]] = time.monotonic() - current["at"]
    overall = max(stages.values())
    rows = StemFile.objects.filter(stem__job=claimed).values_list("format", "size")
    sizes: dict[str, int] = {}
    for fmt, size in rows:
        sizes[fmt] = sizes.get(fmt, 0) + size
    del separator
    return {
        "idle_mb": idle,
        "peak_mb": overall,
        "seconds": time.monotonic() - started,
        "stages": stages,
        "starts": starts,
        "timings": timings,
        "stored_mb": {fmt: size / 1e6 for fmt, size in sizes.items()},
    }


CHILDREN = {
    "idle": child_idle,
    "engine": child_engine,
    "blocks": child_blocks,
    "worker": child_worker,
}


def run_child(kind: str, args: argparse.Namespace, scratch: Path) -> dict:
    """Run one measurement in a fresh interpreter and return its report."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--_child",
        kind,
        "--song",
        str(args.song),
        "--minutes",
        str(args.minutes),
        "--threads",
        str(args.threads),
        "--model",
        args.model,
        "--scratch",
        str(scratch / kind),
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    for line in done.stdout.splitlines():
        if line.startswith(CHILD_MARKER):
            return json.loads(line.removeprefix(CHILD_MARKER))
    raise SystemExit(f"{kind} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


def child_main(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(args.threads)
    scratch = Path(args.scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    os.environ["STEMWORKS_DEVICE"] = "cpu"
    os.environ["STEMWORKS_THREADS"] = str(args.threads)
    setup_django(scratch)
    report = CHILDREN[args._child](args)
    print(CHILD_MARKER + json.dumps(report))


# ------------------------------------------------------------------------- report


def print_report(
    args: argparse.Namespace, idle: dict, engine: dict, blocks: dict, worker: dict
) -> None:
    print(f"\n{args.minutes:g}-minute song, {args.model}, {args.threads} threads, CPU")
    print(f"{'':36}{'peak RSS (MB)':>14}{'seconds':>10}")
    print(f"{'idle (imports + weights)':36}{idle['peak_mb']:14.0f}{'':>10}")
    rows = [
        ("engine, whole stems (baseline)", engine),
        (f"engine, streamed ({blocks['blocks']} blocks)", blocks),
        ("worker (one whole job)", worker),
    ]
    for label, row in rows:
        print(f"{label:36}{row['peak_mb']:14.0f}{row['seconds']:10.1f}")
    print("\nworker, per stage: its own peak, and the resident size it began with:")
    for stage, peak in worker["stages"].items():
        start = worker["starts"].get(stage)
        began = f"   (began at {start:.0f})" if start is not None else ""
        print(f"  {stage:34}{peak:14.0f}{worker['timings'][stage]:10.1f}{began}")
    stored = ", ".join(f"{fmt} {mb:.1f} MB" for fmt, mb in worker["stored_mb"].items())
    print(f"\nstored, all stems together: {stored}")
    for label, row in rows[1:]:
        extra = row["peak_mb"] - engine["peak_mb"]
        print(f"{label} - baseline: {extra:+.0f} MB")
    verdict = "met" if worker["peak_mb"] < TARGET_MB else "NOT met"
    print(f"target: worker peak under {TARGET_MB:.0f} MB: {verdict}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--model", default="unet-2stems")
    parser.add_argument("--song", type=Path, help="use this upload instead of making one")
    parser.add_argument("--_child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args._child:
        child_main(args)
        return
    with tempfile.TemporaryDirectory(prefix="stemworks-bench-") as folder:
        scratch = Path(folder)
        if args.song is None:
            args.song = scratch / "song.flac"
            write_song(args.song, args.minutes)
        print(f"upload: {args.song} ({args.song.stat().st_size / 1e6:.0f} MB)")
        idle = run_child("idle", args, scratch)
        engine = run_child("engine", args, scratch)
        blocks = run_child("blocks", args, scratch)
        worker = run_child("worker", args, scratch)
    print_report(args, idle, engine, blocks, worker)


if __name__ == "__main__":
    main()
