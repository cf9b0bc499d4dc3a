"""The knobs a backend may take (overlap, segment, half precision, batch size, Wiener), checked.

Each model supports some of them (`catalog.ModelSpec.knobs`); a knob left at None keeps
the backend's own default. This module has no heavy imports, so callers can check
options before any model is loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from separation.errors import InvalidOptions

# Below this a chunk costs htdemucs as much as a full-length one (it pads each chunk to
# the length it was trained on), so shorter segments only multiply the work.
MIN_SEGMENT_S = 1.0
# Each step of overlap multiplies the work by 1 / (1 - overlap): 0.9 is ten times already.
MAX_OVERLAP = 0.9
MAX_BATCH_SIZE = 256
# Each EM iteration of the Wiener post-filter costs about as much as the first; past a few
# the separation changes little.
MAX_WIENER = 10


@dataclass(frozen=True)
class Options:
    """How a backend runs its model; None leaves the backend's default.

    overlap: fraction of each chunk shared with the next (0 to MAX_OVERLAP).
    segment: chunk length in seconds (at least MIN_SEGMENT_S, at most what the model
        was trained on).
    half: fp16 autocast on CUDA (refused on other devices).
    batch_size: how many chunks go through the model at once.
    wiener: EM iterations of the multichannel Wiener post-filter (0: the ratio mask).
    """

    overlap: float | None = None
    segment: float | None = None
    half: bool | None = None
    batch_size: int | None = None
    wiener: int | None = None

    def given(self) -> tuple[str, ...]:
        """Return the names of the knobs that were set."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name) is not None)

    def check(self, model: str, supported: tuple[str, ...], device_type: str) -> None:
        """Raise InvalidOptions for a knob `model` lacks or a value it cannot run with."""
        for name in self.given():
            if name not in supported:
                takes = ", ".join(supported) or "none"
                raise InvalidOptions(
                    f"Model {model!r} has no {name!r} option; the options it takes: {takes}."
                )
        _check_overlap(self.overlap)
        _check_segment(self.segment)
        _check_whole(self.batch_size, "batch size", 1, MAX_BATCH_SIZE)
        _check_whole(self.wiener, "number of Wiener iterations", 0, MAX_WIENER)
        if self.half and device_type != "cuda":
            raise InvalidOptions(
                f"Half precision runs on CUDA only; this separator runs on {device_type}."
            )


def _check_overlap(overlap: float | None) -> None:
    if overlap is not None and not (_is_number(overlap) and 0 <= overlap <= MAX_OVERLAP):
        raise InvalidOptions(f"The overlap must be between 0 and {MAX_OVERLAP}, not {overlap!r}.")


def _check_segment(segment: float | None) -> None:
    if segment is not None and not (_is_number(segment) and segment >= MIN_SEGMENT_S):
        raise InvalidOptions(
            f"The segment must be at least {MIN_SEGMENT_S:g} s long, not {segment!r}."
        )


def _check_whole(value: int | None, what: str, lowest: int, highest: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOptions(f"The {what} must be a whole number, not {value!r}.")
    if not lowest <= value <= highest:
        raise InvalidOptions(f"The {what} must be between {lowest} and {highest}, not {value}.")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
