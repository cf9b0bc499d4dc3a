"""The interface every model backend implements, and the one progress callback type.

`Separator` (api.py) holds a `Backend` and adds what is common to all models: input
checks, mixture consistency and the target modes. A backend only turns a mix into its
stems, block by block as it produces them, so no caller has to hold a whole stem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np

# Receives the fraction done (0 to 1); may raise SeparationCancelled to stop the work.
Progress = Callable[[float], None]

# (start sample, {stem: (2, k) float32}): one block of every stem, from `start` on.
Block = tuple[int, dict[str, np.ndarray]]


class Backend(Protocol):
    """A loaded model that splits (2, n) float32 audio at 44.1 kHz into its stems."""

    @property
    def stems(self) -> tuple[str, ...]:
        """The names of the stems each block holds, in order."""
        ...

    @property
    def sums_to_mix(self) -> bool:
        """Whether the stems add up to the mix by themselves (else the facade makes them)."""
        ...

    def separate_blocks(self, mix: np.ndarray, progress: Progress | None = None) -> Iterator[Block]:
        """Yield the stems of `mix` as consecutive blocks covering it, in order, as made.

        Each block's arrays are new (the caller may keep or change them). Once a block is
        yielded the backend reads no sample of `mix` before its end again, so a caller may
        write over that part of `mix`; nothing after it may change while blocks come.
        """
        ...


def collect_blocks(blocks: Iterator[Block], length: int) -> dict[str, np.ndarray]:
    """Put the blocks of a separation back together as one (2, length) array per stem."""
    stems: dict[str, np.ndarray] = {}
    for start, block in blocks:
        for name, samples in block.items():
            if name not in stems:
                stems[name] = np.empty((samples.shape[0], length), dtype=np.float32)
            stems[name][:, start : start + samples.shape[1]] = samples
    return stems
