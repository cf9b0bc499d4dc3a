"""The interface every model backend implements, and the one progress callback type.

`Separator` (api.py) holds a `Backend` and adds what is common to all models: input
checks, mixture consistency and the target modes. A backend only turns a mix into its
stems.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

# Receives the fraction done (0 to 1); may raise SeparationCancelled to stop the work.
Progress = Callable[[float], None]


class Backend(Protocol):
    """A loaded model that splits (2, n) float32 audio at 44.1 kHz into its stems."""

    @property
    def stems(self) -> tuple[str, ...]:
        """The names of the stems `separate` returns, in order."""
        ...

    @property
    def sums_to_mix(self) -> bool:
        """Whether the stems add up to the mix by themselves (else the facade makes them)."""
        ...

    def separate(
        self, mix: np.ndarray, progress: Progress | None = None, *, inplace: bool = False
    ) -> dict[str, np.ndarray]:
        """Return one (2, n) float32 array per stem; with `inplace`, `mix` may be reused."""
        ...
