"""Write the Python engine's numbers for dsp.js' agreement test into a folder.

Run by tests/private/js/agreement.test.mjs: `python dsp_reference.py OUT_DIR`. Writes
float32 little-endian files: mix.f32 (2, n), magnitude.f32 (the first chunk's network
input, (1, 2, 512, 1024)), vocals.f32 and vocals-wiener.f32 (2, n), the vocals of
separation.spleeter's UNet2Stems with the ratio mask and with its Wiener post-filter, its
two networks replaced by the stand-in of `stand_in` (dsp.js' test builds the same one),
and meta.json with n.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from separation.spleeter import BINS, SEGMENT, UNet2Stems  # noqa: E402

# 1.3 segments of frames and a ragged end: two chunks at one segment per chunk.
LENGTH = 680 * 1024 + 517


def fixed_signal(length: int) -> np.ndarray:
    """Return a (2, length) float32 test song: tones, a sweep and seeded noise, a silent gap."""
    t = np.arange(length) / 44100.0
    rng = np.random.default_rng(11)
    left = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * (200 + 3000 * t) * t)
    # A noise floor, as recordings have: without it the top modelled bins are so quiet that
    # their masks (hence the extension's) hang on float32 rounding in torch's STFT.
    left += 1e-3 * rng.standard_normal(length)
    right = 0.25 * np.sin(2 * np.pi * 660 * t + 0.5) + 0.1 * rng.standard_normal(length)
    mix = np.stack([left, right]).astype(np.float32)
    mix[:, 100_000:140_000] = 0  # silence: both stand-in outputs are 0 or tiny there
    return mix


def gain(k: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The stand-in's vocals share per bin k and frame t, in (0.05, 0.95)."""
    return 0.5 + 0.45 * torch.sin(0.013 * k + 0.007 * t)


def stand_in(share: bool) -> object:
    """A network (segments, 2, T, bins) -> same: the magnitude times a fixed share.

    vocals = mag * g, accompaniment = mag * (1 - g) * (1.5 if k % 3 == 0 else 1). Both
    scale with the magnitude, so float32 rounding in torch's STFT stays relative.
    """

    def net(batch: torch.Tensor) -> torch.Tensor:
        t = torch.arange(SEGMENT, dtype=torch.float64)[:, None]
        k = torch.arange(BINS, dtype=torch.float64)[None, :]
        g = gain(k, t)
        if share:
            return (batch.double() * g).float()
        boost = 1 + 0.5 * (k.remainder(3) == 0).double()
        return (batch.double() * (1 - g) * boost).float()

    return net


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    mix = fixed_signal(LENGTH)
    mix.astype("<f4").tofile(out / "mix.f32")
    # wiener=0: the plain ratio mask; wiener=1: with the Wiener post-filter (one EM iteration).
    for wiener, name in ((0, "vocals.f32"), (1, "vocals-wiener.f32")):
        engine = UNet2Stems(torch.device("cpu"), batch_size=1, wiener=wiener)
        engine.nets = [stand_in(True), stand_in(False)]  # type: ignore[list-item]
        engine.separate(mix.copy())["vocals"].astype("<f4").tofile(out / name)
    first = engine._stft(mix, 0, SEGMENT)
    magnitude = first[:, :BINS].abs().reshape(2, BINS, 1, SEGMENT).permute(2, 0, 3, 1)
    magnitude.contiguous().numpy().astype("<f4").tofile(out / "magnitude.f32")
    (out / "meta.json").write_text(json.dumps({"length": LENGTH}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
