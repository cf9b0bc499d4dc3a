"""Encoding a job's stored copies on threads: StemEncoder.encoded() at 1 thread against N.

    .venv/bin/python bench/encode_threads.py [--seconds 180] [--threads 2] [--repeats 2]

Two stems of `--seconds` of noise are written to float masters, then every stored copy
(FLAC, the MP3s, the peaks) is encoded, taking turns between 1 and `--threads` threads;
prints each time, the best of each and their ratio, and the load average beside them.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    import django

    django.setup()
    import numpy as np

    rng = np.random.default_rng(0)
    song = (0.2 * rng.standard_normal((2, int(args.seconds * 44100)))).astype(np.float32)
    times: dict[int, list[float]] = {1: [], args.threads: []}
    for _ in range(args.repeats):
        for threads in times:
            times[threads].append(encode(song, threads))
    for threads, runs in times.items():
        print(f"threads={threads}: " + ", ".join(f"{t:.2f}" for t in runs) + " s")
    ratio = min(times[1]) / min(times[args.threads])
    print(f"best at 1 thread / best at {args.threads}: {ratio:.2f}; load {os.getloadavg()[0]:.1f}")
    return 0


def encode(song, threads: int) -> float:
    """Return the seconds StemEncoder takes to encode two stems of `song` in every format."""
    from workers.stem_encoding import StemEncoder

    with tempfile.TemporaryDirectory() as folder:
        encoder = StemEncoder(Path(folder), in_rate=44100, out_rate=44100, threads=threads)
        encoder.add("vocals", song)
        encoder.add("accompaniment", song * 0.5)
        start = time.perf_counter()
        for _ in encoder.encoded():
            pass
        return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
