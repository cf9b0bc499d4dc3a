"""The browser model's files on disk (built by `make private-model`): its manifest and where
the ONNX file lies, read fresh on each request so a rebuilt model is served at once."""

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

MANIFEST = "manifest.json"
NOT_BUILT = "The private mode's model is not built on this server: run `make private-model`."


@dataclass(frozen=True)
class BrowserModel:
    """The manifest as the page needs it, and the path of the file it names."""

    manifest: dict
    path: Path

    @property
    def sha256(self) -> str:
        return self.manifest["sha256"]

    @property
    def bytes(self) -> int:
        return int(self.manifest["bytes"])


def browser_model() -> BrowserModel | None:
    """Return the built model, or None when its manifest or file is missing or unreadable."""
    folder = Path(settings.STEMWORKS_PRIVATE_MODEL_DIR)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        name = manifest["file"]
        manifest["sha256"], int(manifest["bytes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # The manifest names a file in the folder, never a path elsewhere.
    if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
        return None
    path = folder / name
    return BrowserModel(manifest, path) if path.is_file() else None
