"""Fixtures for the engine tests: the real song, real weights, a tiny local HTDemucs.

Models load once per session, and each model's `all` separation of the short `clip`
is computed once and shared (read-only) by the tests that compare against it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from engine_factories import CLIP_SECONDS, CLIP_START, save_demucs_repo, tiny_htdemucs

from separation.api import Separator
from separation.audio import SAMPLE_RATE, read_audio
from separation.pretrained import example_song


@pytest.fixture(scope="session")
def song_path() -> Path:
    return example_song()


@pytest.fixture(scope="session")
def song(song_path: Path) -> np.ndarray:
    """The real 10.9 s song that ships with the Spleeter weights, as (2, n) float32."""
    return read_audio(song_path).samples


@pytest.fixture(scope="session")
def clip(song: np.ndarray) -> np.ndarray:
    """A 3 s stretch of the song with singing in it: real music, little compute."""
    start = CLIP_START * SAMPLE_RATE
    return song[:, start : start + CLIP_SECONDS * SAMPLE_RATE].copy()


@pytest.fixture(scope="session")
def clip_path(clip: np.ndarray, tmp_path_factory) -> Path:
    """The clip as a float WAV file, for the command line."""
    import soundfile as sf

    path = tmp_path_factory.mktemp("clip") / "clip.wav"
    sf.write(path, clip.T, SAMPLE_RATE, subtype="FLOAT")
    return path


@pytest.fixture(scope="session")
def unet() -> Separator:
    return Separator("unet-2stems", device="cpu")


@pytest.fixture(scope="session")
def unet_all(unet: Separator, clip: np.ndarray) -> dict[str, np.ndarray]:
    """unet-2stems' `all` stems of the clip (read-only: tests compare against them)."""
    return _read_only(unet.separate(clip))


@pytest.fixture(scope="session")
def demucs_repo(tmp_path_factory) -> Path:
    return save_demucs_repo(tiny_htdemucs(), tmp_path_factory.mktemp("demucs"))


@pytest.fixture(scope="session")
def htdemucs(demucs_repo: Path) -> Separator:
    return Separator("htdemucs", device="cpu", model_dir=demucs_repo)


@pytest.fixture(scope="session")
def htdemucs_run(htdemucs: Separator, clip: np.ndarray) -> tuple[dict[str, np.ndarray], list]:
    """htdemucs' `all` stems of the clip (read-only) and the progress it reported."""
    seen: list[float] = []
    stems = htdemucs.separate(clip, progress=seen.append)
    return _read_only(stems), seen


@pytest.fixture(scope="session")
def htdemucs_all(htdemucs_run) -> dict[str, np.ndarray]:
    return htdemucs_run[0]


def _read_only(stems: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    for stem in stems.values():
        stem.setflags(write=False)
    return stems
