"""Command line: python -m separation INPUT -o OUTDIR [--model ...] [--target ...]."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING

from separation import catalog
from separation.audio import OUTPUT_FORMATS, WAV_DEPTHS, probe
from separation.backend import Progress
from separation.device import DEVICES
from separation.errors import SeparationError

if TYPE_CHECKING:
    from tqdm import tqdm


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m separation",
        description="Separate a song into stems and write OUTDIR/<stem>.<format>.",
    )
    stems = sorted({stem for spec in catalog.MODELS.values() for stem in spec.stems})
    parser.add_argument("input", help="audio file: WAV, FLAC, OGG, MP3 or AIFF")
    parser.add_argument("-o", "--out", required=True, help="output folder")
    parser.add_argument("--model", default=catalog.DEFAULT_MODEL, choices=list(catalog.MODELS))
    parser.add_argument("--target", default=catalog.ALL, choices=[catalog.ALL, *stems])
    parser.add_argument("--format", default="wav", choices=OUTPUT_FORMATS, dest="fmt")
    parser.add_argument("--wav-depth", default="16", choices=list(WAV_DEPTHS))
    parser.add_argument("--keep-rate", action="store_true", help="write at the input's rate")
    parser.add_argument("--device", default="auto", choices=DEVICES)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads")
    parser.add_argument("--model-dir", default=None, help="local folder with model weights")
    knobs = parser.add_argument_group("model options (default: the model's own)")
    knobs.add_argument("--overlap", type=float, help="fraction shared by neighbouring chunks")
    knobs.add_argument("--segment", type=float, help="chunk length in seconds")
    knobs.add_argument(
        "--half", action=argparse.BooleanOptionalAction, help="fp16 autocast (CUDA only)"
    )
    knobs.add_argument("--batch-size", type=int, help="chunks through the model at once")
    knobs.add_argument(
        "--wiener",
        type=int,
        metavar="N",
        help="EM iterations of the multichannel Wiener post-filter (unet-2stems; 0: ratio mask)",
    )
    parser.add_argument(
        "--max-duration",
        type=float,
        default=None,
        help="refuse files longer than this many seconds (default: no limit; long files "
        "are separated in a stream, so memory stays flat)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (2 for an error, 130 when interrupted).

    An error is one line on stderr, never a traceback, and an interrupted or failed run
    leaves no stem files behind (see `stem_output.StemOutput`).
    """
    args = build_parser().parse_args(argv)
    try:
        with _sigterm_interrupts():
            paths = _separate(args)
    except SeparationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: out of memory; try a smaller --batch-size or --segment.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: no stems were written.", file=sys.stderr)
        return 130
    for path in paths.values():
        print(path)
    return 0


def _separate(args: argparse.Namespace) -> dict[str, Path]:
    """Check the input, load the model and separate the file as `args` say."""
    catalog.output_stems(args.model, args.target)
    probe(args.input, max_duration=args.max_duration)  # fail fast, before loading a model
    from separation.api import Separator

    separator = Separator(
        args.model,
        device=args.device,
        threads=args.threads,
        model_dir=args.model_dir,
        overlap=args.overlap,
        segment=args.segment,
        half=args.half,
        batch_size=args.batch_size,
        wiener=args.wiener,
    )
    with _progress_bar(args.quiet) as progress:
        return separator.separate_file(
            args.input,
            args.out,
            target=args.target,
            fmt=args.fmt,
            wav_depth=args.wav_depth,
            keep_rate=args.keep_rate,
            max_duration=args.max_duration,
            progress=progress,
        )


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so a killed run cleans up after itself too."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _progress_bar:
    """A tqdm bar driven by the engine's fraction-done callback (or nothing if quiet)."""

    def __init__(self, quiet: bool) -> None:
        self.bar = None if quiet else _tqdm()

    def __enter__(self) -> Progress | None:
        if self.bar is None:
            return None

        bar = self.bar

        def update(fraction: float) -> None:
            bar.update(round(fraction * 100, 1) - bar.n)

        return update

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.close()


def _tqdm() -> tqdm[None]:
    from tqdm import tqdm

    return tqdm(total=100, unit="%", file=sys.stderr, bar_format="{l_bar}{bar}| {elapsed}")
