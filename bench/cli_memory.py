"""Peak memory of the command line on long files: 10 min against 60 and 180 min.

Run from the repository root:

    .venv/bin/python bench/cli_memory.py [--minutes 10 60 180] [--overlap 0.25]

For each length it writes a 16-bit FLAC input in a scratch folder (the example song
tiled, written block by block so the bench stays small itself), then runs the command
line (`separation.cli.main`: INPUT -o OUT --target vocals --format flac) on it in a child
process and reads that child's own peak RSS from `os.wait4` (ru_maxrss). The model:

- `--model stand-in` (default): `unet-2stems` with its network swapped for a stand-in
  that costs nothing (each stem gets half of the mix, through the real chunked
  inference, 10 s chunks). Everything around the model is the real streaming path:
  decoding, the chunked reads, mixture consistency, the targets, the float masters and
  the FLAC encoding. Real models take hours for 3 hours of audio on 2 shared CPU cores,
  and what the command line holds around a model does not grow with their weights.
- `--model tiny`: a tiny randomly initialised HTDemucs (tests/separation/
  engine_factories.py) saved as a local demucs folder and loaded by `--model-dir`, about
  15x real time on one free core.

It prints, per length, the peak RSS in MB (10^6 bytes), its ratio to the first length's,
what the decoded song alone would take if held whole (float32 stereo at 44.1 kHz), and
the wall time. Flat memory means ratios near 1.0; the target is a 3-hour file under 1 GB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "separation")]

TARGET_MB = 1000.0


def write_input(path: Path, minutes: float) -> int:
    """Write `minutes` of the example song, tiled, as a 16-bit FLAC; return its frames."""
    from separation.audio import SAMPLE_RATE, AudioWriter, read_audio
    from separation.pretrained import example_song

    song = read_audio(example_song()).samples
    total = int(minutes * 60 * SAMPLE_RATE)
    with AudioWriter(path, SAMPLE_RATE, "flac") as writer:
        for start in range(0, total, song.shape[1]):
            writer.write(song[:, : min(song.shape[1], total - start)])
    return total


def tiny_model(folder: Path) -> Path:
    from engine_factories import save_demucs_repo, tiny_htdemucs

    if not folder.exists():
        save_demucs_repo(tiny_htdemucs(), folder)
    return folder


class HalfEach:
    """A stand-in for unet-2stems' network: each stem is half the mix, chunk by chunk."""

    stems = ("vocals", "accompaniment")
    sums_to_mix = False

    def separate_blocks(self, mix: Any, progress: Any = None) -> Iterator[tuple[int, dict]]:
        import torch

        from separation.chunking import chunked_blocks

        def model(batch: torch.Tensor) -> torch.Tensor:
            return torch.stack([batch * 0.5, batch * 0.5], dim=1)

        for start, out in chunked_blocks(model, mix, sources=2, segment=441000, progress=progress):
            yield start, {"vocals": out[0], "accompaniment": out[1]}


def stand_in_main(argv: list[str]) -> int:
    """Run the command line with unet-2stems' network replaced by `HalfEach`."""
    from unittest import mock

    from separation import cli

    with mock.patch("separation.api._build", lambda *args: HalfEach()):
        return cli.main(argv)


def run_cli(
    source: Path, out: Path, model: str, scratch: Path, overlap: float
) -> tuple[float, float]:
    """Separate `source` with the command line in a child; return (peak RSS MB, seconds)."""
    common = [str(source), "-o", str(out), "-q", "--target", "vocals", "--format", "flac"]
    if model == "tiny":
        repo = tiny_model(scratch / "model")
        args = [sys.executable, "-m", "separation", *common, "--model", "htdemucs"]
        args += ["--model-dir", str(repo), "--overlap", str(overlap)]
    else:
        args = [sys.executable, __file__, "--child", *common]
    began = time.perf_counter()
    child = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    if child.returncode != 0:
        raise SystemExit(f"the command line failed ({child.returncode}): {errors.strip()}")
    return usage.ru_maxrss * 1024 / 1e6, seconds  # Linux gives ru_maxrss in KiB


def check_outputs(out: Path, frames: int) -> None:
    import soundfile as sf

    for name in ("vocals", "no_vocals"):
        written = sf.info(out / f"{name}.flac").frames
        if written != frames:
            raise SystemExit(f"{name}.flac has {written} frames, not {frames}")


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        raise SystemExit(stand_in_main(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 60, 180])
    parser.add_argument("--model", choices=["stand-in", "tiny"], default="stand-in")
    parser.add_argument("--overlap", type=float, default=0.25, help="the tiny model's overlap")
    parser.add_argument("--scratch", type=Path, default=None, help="folder for the files")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="cli-memory-", dir=args.scratch))
    try:
        rows = []
        for minutes in args.minutes:
            source = scratch / f"{minutes:g}min.flac"
            frames = write_input(source, minutes)
            out = scratch / f"out-{minutes:g}"
            peak, seconds = run_cli(source, out, args.model, scratch, args.overlap)
            check_outputs(out, frames)
            rows.append((minutes, peak, frames * 2 * 4 / 1e6, seconds, source.stat().st_size))
            source.unlink()
            shutil.rmtree(out)
            print(f"{minutes:g} min done: {peak:.0f} MB peak in {seconds:.0f} s", flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    first = rows[0][1]
    print()
    model = f"tiny htdemucs (overlap {args.overlap:g})" if args.model == "tiny" else "stand-in"
    print(f"command line, {model} model, --target vocals --format flac")
    header = ["input", "FLAC MB", "peak RSS MB", "ratio", "decoded whole MB", "wall s"]
    print(" | ".join(header))
    for minutes, peak, decoded, seconds, size in rows:
        cells = [f"{minutes:g} min", f"{size / 1e6:.0f}", f"{peak:.0f}", f"{peak / first:.2f}"]
        print(" | ".join([*cells, f"{decoded:.0f}", f"{seconds:.0f}"]))
    worst = max(row[1] for row in rows)
    verdict = "under" if worst < TARGET_MB else "OVER"
    print(f"largest peak {worst:.0f} MB: {verdict} the {TARGET_MB:.0f} MB target")


if __name__ == "__main__":
    main()
