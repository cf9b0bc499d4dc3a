"""Chunked inference in the time domain with overlapping, triangle-weighted chunks.

The whole track stays where it is (host memory); only one batch of fixed-length chunks
goes to the device at a time, and overlapping outputs are blended with a triangular
weight so chunk borders leave no seam. The output comes out in blocks as it becomes
final, so memory is one batch of chunks and one chunk's overlap, not the whole output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

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


def chunked_blocks(
    model: ChunkModel,
    mix: np.ndarray,
    *,
    sources: int,
    segment: int,
    overlap: float = 0.25,
    batch_size: int = 1,
    device: torch.device | None = None,
    progress: Progress | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Run `model` over `mix` in chunks; yield (start, (sources, channels, k)) in order.

    After each batch of chunks, the output that no later chunk writes to or reads from
    is final: it is yielded, divided by its blending weight, and dropped. Memory holds
    one batch of chunks and the overlap not yet final, whatever the length of `mix`;
    `mix` is never read before the end of a yielded block again.
    """
    device = device or torch.device("cpu")
    channels, length = mix.shape
    weight = triangle_weight(segment).numpy().astype(np.float32)
    offsets = chunk_offsets(length, segment, overlap)
    final = _final_positions(offsets, length, segment)
    done = 0  # the output before `done` has been yielded; `out` starts there
    out = np.zeros((sources, channels, 0), dtype=np.float32)
    total_weight = np.zeros(0, dtype=np.float32)
    for i in range(0, len(offsets), batch_size):
        starts = offsets[i : i + batch_size]
        batch = torch.from_numpy(np.stack([_take(mix, s, segment) for s in starts]))
        estimates = model(batch.to(device)).float().cpu().numpy()
        grow = min(starts[-1] + segment, length) - done - total_weight.shape[0]
        if grow > 0:
            out = np.concatenate([out, np.zeros((sources, channels, grow), np.float32)], -1)
            total_weight = np.concatenate([total_weight, np.zeros(grow, np.float32)])
        for start, estimate in zip(starts, estimates, strict=True):
            size = min(segment, length - start)
            lead = (segment - size) // 2
            at = start - done
            out[..., at : at + size] += estimate[..., lead : lead + size] * weight[:size]
            total_weight[at : at + size] += weight[:size]
        count = min(i + batch_size, len(offsets))
        if progress is not None:
            progress(count / len(offsets))
        ready = final[count] - done
        if ready > 0:
            yield done, out[..., :ready] / total_weight[:ready]
            out, total_weight = out[..., ready:], total_weight[ready:]
            done += ready


def _final_positions(offsets: list[int], length: int, segment: int) -> list[int]:
    """Return, for each k, how far the output is final once chunks 0 to k - 1 are in.

    That is where chunks k and later begin to read `mix` (a short last chunk reads real
    audio before its start, see `_take`); they write only from their start on, later still.
    """
    final = [length]
    for start in reversed(offsets):
        valid = min(segment, length - start)
        final.append(min(final[-1], max(0, start - (segment - valid) // 2)))
    return final[::-1]


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
