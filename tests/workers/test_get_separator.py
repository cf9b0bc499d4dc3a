"""Model weights load once per worker process, not once per job, from the configured folders."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from separation.errors import InvalidOptions, ModelLoadingError
from workers import engine


class CountingSeparator:
    made: list = []

    def __init__(self, model, **kwargs) -> None:
        self.model = model
        self.kwargs = kwargs
        CountingSeparator.made.append(self)


@pytest.fixture
def counting(monkeypatch):
    CountingSeparator.made = []
    monkeypatch.setattr("separation.api.Separator", CountingSeparator)
    engine.get_separator.cache_clear()
    yield CountingSeparator.made
    engine.get_separator.cache_clear()


@pytest.fixture
def fresh_separators():
    engine.get_separator.cache_clear()
    yield
    engine.get_separator.cache_clear()


def test_it_builds_one_separator_per_model_and_reuses_it(counting, settings):
    first = engine.get_separator("unet-2stems")
    again = engine.get_separator("unet-2stems")

    assert first is again
    assert len(counting) == 1
    assert first.kwargs["device"] == settings.STEMWORKS_DEVICE


def test_htdemucs_loads_from_the_configured_local_repo(counting, settings, tmp_path):
    (tmp_path / "htdemucs-955717e8.th").write_bytes(b"weights")
    settings.STEMWORKS_DEMUCS_REPO = str(tmp_path)
    settings.STEMWORKS_MODEL_DIR = "/models"

    separator = engine.get_separator("htdemucs")

    assert separator.kwargs["model_dir"] == str(tmp_path)


@pytest.mark.parametrize(
    ("model", "demucs_repo", "expected"),
    [
        ("unet-2stems", "/models/demucs", "/models"),
        ("htdemucs", None, "/models"),
        ("htdemucs", "/models/demucs", "/models/demucs"),
    ],
)
def test_the_model_folder_comes_from_the_settings(settings, model, demucs_repo, expected):
    settings.STEMWORKS_MODEL_DIR = "/models"
    settings.STEMWORKS_DEMUCS_REPO = demucs_repo

    assert engine.model_dir(model) == expected


def test_without_a_folder_the_engine_uses_its_default(settings):
    settings.STEMWORKS_MODEL_DIR = None
    settings.STEMWORKS_DEMUCS_REPO = None

    assert engine.model_dir("unet-2stems") is None


def test_the_engine_knobs_reach_each_model_that_takes_them(counting, settings):
    settings.STEMWORKS_OVERLAP = 0.5
    settings.STEMWORKS_SEGMENT_S = 4.0
    settings.STEMWORKS_HALF = True
    settings.STEMWORKS_BATCH_SIZE = 3
    settings.STEMWORKS_WIENER = 2

    demucs = engine.get_separator("htdemucs")
    unet = engine.get_separator("unet-2stems")

    assert {k: demucs.kwargs[k] for k in ("overlap", "segment", "half", "batch_size")} == {
        "overlap": 0.5,
        "segment": 4.0,
        "half": True,
        "batch_size": 3,
    }
    # unet-2stems has no overlap or segment, htdemucs no Wiener filter: not passed to them.
    assert "overlap" not in unet.kwargs and "segment" not in unet.kwargs
    assert "wiener" not in demucs.kwargs
    assert (unet.kwargs["half"], unet.kwargs["batch_size"], unet.kwargs["wiener"]) == (True, 3, 2)


def test_unset_knobs_leave_the_models_defaults(counting, settings):
    settings.STEMWORKS_SEGMENT_S = None
    settings.STEMWORKS_HALF = None
    settings.STEMWORKS_BATCH_SIZE = None

    kwargs = engine.get_separator("htdemucs").kwargs

    assert (kwargs["segment"], kwargs["half"], kwargs["batch_size"]) == (None, None, None)


def test_a_bad_knob_in_the_settings_fails_with_the_engines_reason(fresh_separators, settings):
    settings.STEMWORKS_DEVICE = "cpu"
    settings.STEMWORKS_HALF = True

    with pytest.raises(InvalidOptions, match="Half precision runs on CUDA only"):
        engine.get_separator("unet-2stems")


def test_a_worker_process_preloads_the_configured_models(counting, settings):
    settings.STEMWORKS_PRELOAD_MODELS = ["unet-2stems"]

    engine.preload()

    assert [separator.model for separator in counting] == ["unet-2stems"]
    assert engine.get_separator("unet-2stems") is counting[0]


KNOBS = """
import json
from webapp import settings as s
print(json.dumps([s.STEMWORKS_OVERLAP, s.STEMWORKS_SEGMENT_S, s.STEMWORKS_HALF,
                  s.STEMWORKS_BATCH_SIZE, s.STEMWORKS_WIENER]))
"""


def knob_settings(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STEMWORKS_")}
    clean.update(STEMWORKS_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-c", KNOBS],
        cwd=Path(__file__).resolve().parents[2],
        env=clean,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, [0.25, None, None, None, None]),
        (
            {"STEMWORKS_SEGMENT_S": "0", "STEMWORKS_HALF": "auto", "STEMWORKS_WIENER": "auto"},
            [0.25, None, None, None, None],
        ),
        (
            {
                "STEMWORKS_OVERLAP": "0",
                "STEMWORKS_SEGMENT_S": "5.5",
                "STEMWORKS_HALF": "false",
                "STEMWORKS_BATCH_SIZE": "8",
                "STEMWORKS_WIENER": "0",
            },
            [0.0, 5.5, False, 8, 0],
        ),
    ],
)
def test_the_knob_settings_are_read_from_the_environment(tmp_path, env, expected):
    result = knob_settings(tmp_path, **env)

    assert json.loads(result.stdout) == expected, result.stderr


def test_a_knob_setting_that_is_not_a_flag_stops_the_process_with_its_name(tmp_path):
    result = knob_settings(tmp_path, STEMWORKS_HALF="sometimes")

    assert result.returncode != 0
    assert "STEMWORKS_HALF must be a boolean" in result.stderr


def test_a_model_without_weights_is_refused_without_a_download(settings, monkeypatch):
    settings.STEMWORKS_ALLOW_MODEL_DOWNLOAD = False
    settings.STEMWORKS_DEMUCS_REPO = ""
    settings.STEMWORKS_MODEL_DIR = None

    def no_network(*args, **kwargs):
        raise AssertionError("the worker tried to download weights")

    monkeypatch.setattr("urllib.request.urlopen", no_network)
    monkeypatch.setattr("separation.api.Separator", no_network)
    engine.get_separator.cache_clear()

    with pytest.raises(ModelLoadingError, match="no weights for htdemucs"):
        engine.get_separator("htdemucs")
    engine.get_separator.cache_clear()
