"""Chunked inference in the time domain with overlapping, triangle-weighted chunks.

The whole track stays where it is (host memory); only one batch of fixed-length chunks
goes to the device at a time, and overlapping outputs are blended with a triangular
weight so chunk borders leave no seam. Memory is the output plus one batch of chunks.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from separation.backend import Progress

ChunkModel = Callable[[torch.Tensor], torch.Tensor]


def triangle_weight(length: int, power: float = 1.0) -> torch.Tensor:
    """Return demucs' blending weight: rising to the middle of the chunk, then falling."""
    half = length // 2
    weight = torch.cat([torch.arange(1, half + 1), torch.arange(length - half, 0, -1)])
    return (weight / weight.max()) ** power


def chunk_offsets(length: int, segment: int, overlap: float) -> list[int]:
    """Return the start of every chunk so that chunks of `segment` cover `length`."""
    stride = max(1, int((1 - overlap) * segment))
    return list(range(0, length, stride))


def apply_chunked(
    model: ChunkModel,
    mix: np.ndarray,
    *,
    sources: int,
    segment: int,
    overlap: float = 0.25,
    batch_size: int = 1,
    device: torch.device | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Run `model` over (channels, n) `mix` in chunks; return (sources, channels, n).

    `model` maps a batch (b, channels, segment) to (b, sources, channels, segment).
    """
    device = device or torch.device("cpu")
    channels, length = mix.shape
    out = np.zeros((sources, channels, length), dtype=np.float32)
    total_weight = np.zeros(length, dtype=np.float32)
    weight = triangle_weight(segment).numpy().astype(np.float32)
    offsets = chunk_offsets(length, segment, overlap)
    for i in range(0, len(offsets), batch_size):
        starts = offsets[i : i + batch_size]
        batch = torch.from_numpy(np.stack([_take(mix, s, segment) for s in starts]))
        estimates = model(batch.to(device)).float().cpu().numpy()
        for start, estimate in zip(starts, estimates, strict=True):
            size = min(segment, length - start)
            lead = (segment - size) // 2
            out[..., start : start + size] += estimate[..., lead : lead + size] * weight[:size]
            total_weight[start : start + size] += weight[:size]
        if progress is not None:
            progress(min(i + batch_size, len(offsets)) / len(offsets))
    out /= total_weight
    return out


def _take(mix: np.ndarray, start: int, size: int) -> np.ndarray:
    """Return `size` samples centred on the chunk at `start`, zero-padded past the ends.

    A short final chunk gets real audio on both sides as context, as demucs does.
    """
    length = mix.shape[1]
    valid = min(size, length - start)
    begin = start - (size - valid) // 2
    lo, hi = max(begin, 0), min(begin + size, length)
    chunk = mix[:, lo:hi]
    if chunk.shape[1] == size:
        return chunk
    return np.pad(chunk, ((0, 0), (lo - begin, size - (lo - begin) - chunk.shape[1])))
