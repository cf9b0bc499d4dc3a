"""Exceptions raised by the separation engine.

Every error a caller can act on is a subclass of `SeparationError`, and its message is
written for a person, so a web API or a failed job can show it as it is.
"""


class SeparationError(Exception):
    """Base class for every error the engine raises on purpose."""


class InvalidAudio(SeparationError):
    """The input cannot be used as audio (empty, truncated, unsupported, too long...)."""


class InvalidOptions(SeparationError, ValueError):
    """An unknown model, target, output format or device was asked for."""


class ModelLoadingError(SeparationError):
    """Model weights are missing, corrupt or do not match the architecture."""


class SeparationCancelled(SeparationError):
    """Raised by a progress callback to stop a separation early."""
