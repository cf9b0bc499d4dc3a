"""Fixtures for the engine tests: the real song, real weights, a tiny local HTDemucs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from engine_factories import save_demucs_repo, tiny_htdemucs

from separation.audio import read_audio
from separation.pretrained import example_song


@pytest.fixture(scope="session")
def song_path() -> Path:
    return example_song()


@pytest.fixture(scope="session")
def song(song_path: Path) -> np.ndarray:
    """The real 10.9 s song that ships with the Spleeter weights, as (2, n) float32."""
    return read_audio(song_path).samples


@pytest.fixture(scope="session")
def unet():
    from separation.api import Separator

    return Separator("unet-2stems", device="cpu")


@pytest.fixture(scope="session")
def demucs_repo(tmp_path_factory) -> Path:
    return save_demucs_repo(tiny_htdemucs(), tmp_path_factory.mktemp("demucs"))


@pytest.fixture(scope="session")
def htdemucs(demucs_repo: Path):
    from separation.api import Separator

    return Separator("htdemucs", device="cpu", model_dir=demucs_repo)
