"""What unet-2stems' Wiener post-filter costs: time and peak memory against the ratio mask.

Both run in the same process, taking turns round after round on the example song tiled
to --seconds (best of --repeats each), so a change in the machine's load hits them alike;
then each separates --memory-minutes of audio in a fresh process (in place, as the
workers do) and reports its peak RSS. Quality is bench/quality.py's job.

    .venv/bin/python bench/wiener_cost.py [--wiener 1] [--seconds 180] [--memory-minutes 10]
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.separation_speed import (  # noqa: E402
    CHILD_MARKER,
    compare_rtf,
    current_rss_mb,
    load_average,
    make_input,
    peak_rss_mb,
    print_table,
)
from separation.api import Separator  # noqa: E402

TIME_TARGET = 1.3  # the filter may cost at most this much of the ratio mask's time


def separate(wiener: int, threads: int, *, inplace: bool = False):
    separator = Separator("unet-2stems", device="cpu", threads=threads, wiener=wiener)
    return lambda mix: separator.separate(mix, inplace=inplace)


def memory_child(wiener: int, seconds: float, threads: int) -> None:
    """Subprocess body: separate `seconds` in place with `wiener`, print the peak RSS."""
    torch.set_num_threads(threads)
    run = separate(wiener, threads, inplace=True)
    gc.collect()
    baseline = current_rss_mb() or peak_rss_mb()
    run(make_input(seconds))
    print(CHILD_MARKER + json.dumps({"baseline_mb": baseline, "peak_mb": peak_rss_mb()}))


def measure_memory(wiener: int, seconds: float, threads: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--_child", str(wiener), str(seconds)]
    command += ["--threads", str(threads)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith(CHILD_MARKER))
    return json.loads(line.removeprefix(CHILD_MARKER))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wiener", type=int, default=1, help="EM iterations to measure")
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-minutes", type=float, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--_child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        memory_child(int(args._child[0]), float(args._child[1]), args.threads)
        return
    print(f"load average at start: {load_average()}")
    torch.set_num_threads(args.threads)
    names = {0: "ratio mask (wiener=0)", args.wiener: f"wiener={args.wiener}"}
    runs = {name: separate(wiener, args.threads) for wiener, name in names.items()}
    rtf = compare_rtf(runs, make_input(args.seconds), args.repeats, torch.device("cpu"))
    print(f"load average after the timings: {load_average()}")
    memory = {
        name: measure_memory(w, args.memory_minutes * 60, args.threads) for w, name in names.items()
    }
    base, filtered = names[0], names[args.wiener]
    rows = [
        [
            name,
            f"{args.seconds / rtf[name]:.2f}",
            f"{rtf[name]:.1f}",
            f"{memory[name]['peak_mb']:.0f}",
            f"{memory[name]['peak_mb'] - memory[name]['baseline_mb']:.0f}",
        ]
        for name in names.values()
    ]
    print_table(
        f"{args.seconds:g} s (best of {args.repeats}, taking turns); peak RSS on "
        f"{args.memory_minutes:g} min in a fresh process, MB = 10^6 bytes",
        ["engine", "wall s", "RTF", "peak RSS MB", "peak - baseline"],
        rows,
    )
    ratio = rtf[base] / rtf[filtered]
    verdict = "met" if ratio <= TIME_TARGET else "MISSED"
    print(f"\ntime: wiener={args.wiener} takes {ratio:.2f}x the ratio mask's", end=" ")
    print(f"({verdict}, target <= {TIME_TARGET}x)")
    more = memory[filtered]["peak_mb"] - memory[base]["peak_mb"]
    print(f"memory: {more:+.0f} MB peak against the ratio mask")
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
