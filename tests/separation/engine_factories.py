"""Signals and models the engine tests build for themselves."""

from __future__ import annotations

import hashlib
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from separation.audio import SAMPLE_RATE

SOURCES = ["drums", "bass", "other", "vocals"]
# The stretch of the example song most engine tests separate: seconds 2 to 5 (singing).
CLIP_START, CLIP_SECONDS = 2, 3


def tiny_htdemucs(segment: float = 2.0, *, seed: int = 0, sources=SOURCES):
    """A small randomly initialised HTDemucs: the real architecture, little compute."""
    from demucs.htdemucs import HTDemucs

    torch.manual_seed(seed)
    return HTDemucs(
        sources=list(sources),
        channels=8,
        depth=4,
        t_layers=1,
        t_heads=2,
        dconv_comp=4,
        segment=Fraction(segment).limit_denominator(100),
    ).eval()


def save_demucs_repo(model, folder: Path, name: str = "htdemucs", sig: str = "0d19c1c6") -> Path:
    """Save `model` the way demucs' LocalRepo expects: `<sig>-<sha256[:8]>.th` + yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    args, kwargs = model._init_args_kwargs
    package = {
        "klass": model.__class__,
        "args": args,
        "kwargs": kwargs,
        "state": model.state_dict(),
        "training_args": {},
    }
    tmp = folder / f"{sig}.tmp"
    torch.save(package, tmp)
    checksum = hashlib.sha256(tmp.read_bytes()).hexdigest()[:8]
    tmp.rename(folder / f"{sig}-{checksum}.th")
    (folder / f"{name}.yaml").write_text(f"models: ['{sig}']\n")
    return folder


def tone(freq: float, seconds: float, rate: int = SAMPLE_RATE, amp: float = 0.5) -> np.ndarray:
    """A stereo sine tone, float32 (2, n)."""
    t = np.arange(int(seconds * rate)) / rate
    wave = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([wave, wave])


def band_energy(x: np.ndarray, low: float, high: float, rate: int = SAMPLE_RATE) -> float:
    """Energy of (2, n) audio between `low` and `high` Hz."""
    spectrum = np.abs(np.fft.rfft(x, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(x.shape[-1], 1 / rate)
    return float(spectrum[:, (freqs >= low) & (freqs < high)].sum())
