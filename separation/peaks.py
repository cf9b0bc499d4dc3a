"""Waveform peaks of a stem, for players that draw it: audiowaveform's JSON format, version 2.

Peaks are gathered block by block as audio is read, so a long stem is never held whole:
each bin of `samples_per_pixel` frames keeps the minimum and maximum over all channels,
1000 bins per minute of audio by default; the last, partial bin counts too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

BINS_PER_MINUTE = 1000
# audiowaveform's 8-bit values: -1.0..1.0 maps to -128..127.
_SCALE = 128


def samples_per_pixel(sample_rate: int, bins_per_minute: int = BINS_PER_MINUTE) -> int:
    """Return the frames per bin that give `bins_per_minute` bins per minute at this rate."""
    return max(1, round(sample_rate * 60 / bins_per_minute))


class PeaksAccumulator:
    """Take (channels, n) float32 blocks in order; give the min/max per bin as waveform JSON.

    `gain` scales the audio first, so the waveform matches a copy made with that gain.
    """

    def __init__(
        self, sample_rate: int, *, bins_per_minute: int = BINS_PER_MINUTE, gain: float = 1.0
    ) -> None:
        self.sample_rate = sample_rate
        self.samples_per_pixel = samples_per_pixel(sample_rate, bins_per_minute)
        self.gain = gain
        self._mins: list[npt.NDArray[np.float32]] = []
        self._maxs: list[npt.NDArray[np.float32]] = []
        # The bin being filled: its frames so far, and their min and max.
        self._filled = 0
        self._low = np.float32(0)
        self._high = np.float32(0)

    def add(self, block: npt.NDArray[np.float32]) -> None:
        """Take the next (channels, n) block of the audio."""
        if block.shape[1] == 0:
            return
        low = block.min(axis=0).astype(np.float32)
        high = block.max(axis=0).astype(np.float32)
        if self.gain != 1.0:
            # A negative gain would swap the two; gains here only scale loudness.
            low, high = low * np.float32(self.gain), high * np.float32(self.gain)
        low, high = self._fill_open_bin(low, high)
        size = self.samples_per_pixel
        whole = low.shape[0] // size * size
        if whole:
            self._mins.append(low[:whole].reshape(-1, size).min(axis=1))
            self._maxs.append(high[:whole].reshape(-1, size).max(axis=1))
        if whole < low.shape[0]:
            self._filled = low.shape[0] - whole
            self._low, self._high = low[whole:].min(), high[whole:].max()

    def _fill_open_bin(
        self, low: npt.NDArray[np.float32], high: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """Complete the bin a previous block left open; return the frames past it."""
        if not self._filled:
            return low, high
        take = min(self.samples_per_pixel - self._filled, low.shape[0])
        self._low = min(self._low, low[:take].min())
        self._high = max(self._high, high[:take].max())
        self._filled += take
        if self._filled == self.samples_per_pixel:
            self._close_open_bin()
        return low[take:], high[take:]

    def _close_open_bin(self) -> None:
        self._mins.append(np.array([self._low], dtype=np.float32))
        self._maxs.append(np.array([self._high], dtype=np.float32))
        self._filled = 0

    @property
    def length(self) -> int:
        """The number of bins so far, the open one included."""
        return sum(int(m.shape[0]) for m in self._mins) + (1 if self._filled else 0)

    def waveform(self) -> dict[str, Any]:
        """Return the peaks in audiowaveform's JSON format (version 2, one channel, 8 bits)."""
        mins, maxs = list(self._mins), list(self._maxs)
        if self._filled:
            mins.append(np.array([self._low], dtype=np.float32))
            maxs.append(np.array([self._high], dtype=np.float32))
        pairs = np.empty((self.length, 2), dtype=np.int64)
        if mins:
            pairs[:, 0] = _to_8_bits(np.concatenate(mins))
            pairs[:, 1] = _to_8_bits(np.concatenate(maxs))
        return {
            "version": 2,
            "channels": 1,
            "sample_rate": self.sample_rate,
            "samples_per_pixel": self.samples_per_pixel,
            "bits": 8,
            "length": self.length,
            "data": [int(v) for v in pairs.ravel()],
        }

    def write(self, path: Path) -> None:
        """Write the waveform JSON to `path`."""
        path.write_text(json.dumps(self.waveform(), separators=(",", ":")))


def _to_8_bits(values: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
    """Scale -1..1 to -128..127, clipping what lies beyond full scale."""
    return np.clip(np.round(values.astype(np.float64) * _SCALE), -128, 127).astype(np.int64)
