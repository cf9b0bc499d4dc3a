"""A file's audio decoded only as far as it is read, standing in for a (2, n) array.

`Separator.separate_file` hands this to the backends instead of a decoded array: they
read the mix only by `[:, start:end]` slices, moving forward, and never behind a block
they have handed over (see `backend.Backend`). So the file is decoded a block at a time
as the model needs it, and what lies behind the last block out is dropped: memory holds
about one model chunk of audio, whatever the length of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soxr

from separation import refusals
from separation.audio import (
    BLOCK_FRAMES,
    SAMPLE_RATE,
    AudioInfo,
    fold_to_stereo,
    probe,
    read_blocks,
)
from separation.errors import InvalidAudio


class StreamedAudio:
    """The audio of `path` as float32 stereo at `sample_rate`, decoded as it is read.

    Opening it checks the header (`probe`), then decodes the whole file once without
    keeping it: a compressed file's header only estimates its length (an MP3's may be
    off by seconds), and the backends need the exact length before they start. That
    pass costs about a second per ten minutes of audio, and it refuses a file that is
    damaged halfway or longer than `max_duration` before any model work. The samples
    are the ones `audio.read_audio` returns: the same blocks, fold-down and resampler.
    """

    ndim = 2
    dtype = np.dtype(np.float32)

    def __init__(
        self,
        path: str | Path,
        *,
        max_duration: float | None = None,
        sample_rate: int = SAMPLE_RATE,
    ) -> None:
        self.path = path
        self.sample_rate = sample_rate
        self.info: AudioInfo = probe(path, max_duration=max_duration)
        length = self._count(max_duration)
        if length == 0:
            raise InvalidAudio(refusals.NO_SAMPLES)
        self.shape = (2, length)
        self._blocks = self._decode()
        self._held = np.zeros((2, 0), dtype=np.float32)
        self._start = 0  # the sample index of _held[:, 0]

    @property
    def duration(self) -> float:
        return self.shape[1] / self.sample_rate

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        """Return a new (2, k) array of the samples `[:, start:end]`."""
        channels, span = key
        if channels != slice(None) or span.step not in (None, 1):
            raise IndexError("StreamedAudio takes only [:, start:end] slices.")
        start, end, _ = span.indices(self.shape[1])
        end = max(start, end)
        if start < self._start:
            raise IndexError(f"Samples before {self._start} were released; {start} was asked.")
        self._fill(end)
        return self._held[:, start - self._start : end - self._start].copy()

    def release(self, end: int) -> None:
        """Drop the samples before `end`: nothing will read them again."""
        drop = min(max(0, end - self._start), self._held.shape[1])
        self._held = self._held[:, drop:]
        self._start += drop

    def _fill(self, end: int) -> None:
        """Decode until the held samples reach `end` (zeros past a file that came up short)."""
        missing = end - self._start - self._held.shape[1]
        if missing <= 0:
            return
        parts = [self._held]
        while missing > 0:
            block = next(self._blocks, None)
            if block is None:
                parts.append(np.zeros((2, missing), dtype=np.float32))
                break
            parts.append(block)
            missing -= block.shape[1]
        # One copy per fill, which also frees the released part the old array kept.
        self._held = np.concatenate(parts, axis=1)[:, : self.shape[1] - self._start]

    def _count(self, max_duration: float | None) -> int:
        limit = None if max_duration is None else (max_duration * 1.01 + 1) * self.sample_rate
        length = 0
        for block in self._decode():
            length += block.shape[1]
            if limit is not None and length > limit:
                seconds = length / self.sample_rate
                raise InvalidAudio(refusals.too_long(seconds, max_duration or 0.0))
        return length

    def _decode(self) -> Iterator[np.ndarray]:
        """Yield (2, k) float32 blocks at `sample_rate`, as `audio.read_audio` decodes them."""
        resampler = (
            None
            if self.info.sample_rate == self.sample_rate
            else soxr.ResampleStream(
                self.info.sample_rate, self.sample_rate, 2, dtype="float32", quality="HQ"
            )
        )
        flushed = False
        for block in read_blocks(self.path):
            stereo = fold_to_stereo(block.T)
            if resampler is not None:
                flushed = block.shape[1] < BLOCK_FRAMES
                stereo = resampler.resample_chunk(stereo, last=flushed)
            if stereo.shape[0]:
                yield np.ascontiguousarray(stereo.T)
        if resampler is not None and not flushed:
            empty = np.zeros((0, 2), dtype=np.float32)
            tail = resampler.resample_chunk(empty, last=True)
            if tail.shape[0]:
                yield np.ascontiguousarray(tail.T)
