"""Stemworks' separation engine: decode audio, separate it into stems, encode them.

A plain library (numpy/torch, no web framework). `Separator` is loaded lazily so that
`separation.audio`, `separation.catalog` and `separation.errors` import without torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from separation.audio import Audio, AudioInfo, encode_audio, probe, read_audio, write_audio
from separation.catalog import MODELS, output_stems, targets
from separation.errors import (
    InvalidAudio,
    InvalidOptions,
    ModelLoadingError,
    SeparationCancelled,
    SeparationError,
)

if TYPE_CHECKING:
    from separation.api import Separator

__all__ = [
    "MODELS",
    "Audio",
    "AudioInfo",
    "InvalidAudio",
    "InvalidOptions",
    "ModelLoadingError",
    "SeparationCancelled",
    "SeparationError",
    "Separator",
    "encode_audio",
    "output_stems",
    "probe",
    "read_audio",
    "targets",
    "write_audio",
]


def __getattr__(name: str) -> type[Separator]:
    if name == "Separator":
        from separation.api import Separator

        return Separator
    raise AttributeError(f"module 'separation' has no attribute {name!r}")
