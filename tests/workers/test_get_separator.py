"""Model weights load once per worker process, not once per job."""

import pytest

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


def test_it_builds_one_separator_per_model_and_reuses_it(counting, settings):
    first = engine.get_separator("unet-2stems")
    again = engine.get_separator("unet-2stems")

    assert first is again
    assert len(counting) == 1
    assert first.kwargs["device"] == settings.STEMWORKS_DEVICE


def test_htdemucs_loads_from_the_configured_local_repo(counting, settings):
    settings.STEMWORKS_DEMUCS_REPO = "/models/demucs"

    separator = engine.get_separator("htdemucs")

    assert separator.kwargs["model_dir"] == "/models/demucs"


def test_a_worker_process_preloads_the_configured_models(counting, settings):
    settings.STEMWORKS_PRELOAD_MODELS = ["unet-2stems"]

    engine.preload()

    assert [separator.model for separator in counting] == ["unet-2stems"]
    assert engine.get_separator("unet-2stems") is counting[0]
