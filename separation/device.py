"""Choose the compute device and CPU thread count."""

import torch

from separation.errors import InvalidOptions

DEVICES = ("auto", "cpu", "cuda", "mps")


def pick_device(name: str = "auto") -> torch.device:
    """Return the device for `name`; 'auto' prefers CUDA, then Apple MPS, then the CPU."""
    if name not in DEVICES and not name.startswith("cuda:"):
        raise InvalidOptions(f"Unknown device {name!r}; use one of: {', '.join(DEVICES)}.")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidOptions("CUDA was asked for but no CUDA device is available.")
    if name == "mps" and not torch.backends.mps.is_available():
        raise InvalidOptions("MPS was asked for but is not available on this machine.")
    return torch.device(name)


def set_threads(threads: int | None) -> None:
    """Limit torch's CPU threads (None leaves torch's default: one per core)."""
    if threads is not None:
        if threads < 1:
            raise InvalidOptions("The number of CPU threads must be at least 1.")
        torch.set_num_threads(threads)
