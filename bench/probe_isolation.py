"""What probing an upload in a child process costs the web process.

Run from the repository root:

    .venv/bin/python bench/probe_isolation.py [--repeat 30]

For a 3-minute song as WAV, FLAC and MP3 (in memory, as Django hands a small upload to
the view; and from a temporary file, as it hands a large one), it prints the median and
p90 time of `audio.probe` in the process and of `isolated.probe` (a forked child with
memory and time limits), and their difference: the latency isolation adds to an upload.
Then the same for the worker's decode of a 3-minute FLAC (torch loaded, as in a worker).
Django and the web app are imported first so the forked process is as large as a web
process; the figure is the fork plus the pipe, the probe itself is the same.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

import django

django.setup()
import webapp.urls  # noqa: E402, F401
from separation import audio, isolated  # noqa: E402

RATE = 44100
SECONDS = 180


def _song(fmt: str, subtype: str) -> bytes:
    t = np.arange(SECONDS * RATE) / RATE
    wave = 0.4 * np.sin(2 * np.pi * 440 * t)
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([wave, wave], axis=1), RATE, format=fmt, subtype=subtype)
    return buffer.getvalue()


def _times(
    probe: Callable[[object], object], make: Callable[[], object], repeat: int
) -> list[float]:
    probe(make())  # warm up
    out = []
    for _ in range(repeat):
        source = make()
        start = time.perf_counter()
        probe(source)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    repeat = parser.parse_args().repeat
    print(f"{SECONDS} s stereo song, {repeat} probes each; milliseconds (median / p90)")
    print(f"{'file':<22}{'in process':>16}{'child process':>18}{'added (median)':>16}")
    for fmt, subtype in (("WAV", "PCM_16"), ("FLAC", "PCM_16"), ("MP3", "MPEG_LAYER_III")):
        data = _song(fmt, subtype)
        with tempfile.NamedTemporaryFile(suffix="." + fmt.lower()) as f:
            f.write(data)
            f.flush()
            for where, make in (
                ("memory", lambda data=data: io.BytesIO(data)),
                ("temp file", lambda name=f.name: open(name, "rb")),  # noqa: SIM115
            ):
                direct = _times(lambda s: audio.probe(s, max_duration=1200), make, repeat)
                child = _times(lambda s: isolated.probe(s, max_duration=1200), make, repeat)
                row = f"{fmt} ({where})"
                print(
                    f"{row:<22}{_fig(direct):>16}{_fig(child):>18}"
                    f"{statistics.median(child) - statistics.median(direct):>16.1f}"
                )
    decode_figures(max(repeat // 3, 3))


def decode_figures(repeat: int) -> None:
    """The same for the worker's decode of a 3-minute FLAC, with torch loaded as in a worker."""
    import torch  # noqa: F401 - a worker's address space, which the fork copies

    data = _song("FLAC", "PCM_16")
    with tempfile.NamedTemporaryFile(suffix=".flac") as f:
        f.write(data)
        f.flush()
        direct = _times(lambda s: audio.read_audio(s, max_duration=1200), lambda: f.name, repeat)
        child = _times(lambda s: isolated.read_audio(s, max_duration=1200), lambda: f.name, repeat)
    print(f"worker decode, {SECONDS} s FLAC at 44.1 kHz, torch loaded: milliseconds")
    print(f"{'in process':>16}{'child process':>18}{'added (median)':>16}")
    print(
        f"{_fig(direct):>16}{_fig(child):>18}"
        f"{statistics.median(child) - statistics.median(direct):>16.1f}"
    )


def _fig(values: list[float]) -> str:
    p90 = sorted(values)[int(len(values) * 0.9) - 1]
    return f"{statistics.median(values):.1f} / {p90:.1f}"


if __name__ == "__main__":
    main()
