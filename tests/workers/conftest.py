"""Fixtures for worker tests."""

import pytest

from separation import catalog
from tests.workers.fakes import FakeSeparator


@pytest.fixture
def fake_separator(monkeypatch):
    """Install a FakeSeparator per model in the pipeline; returns the dict of instances."""
    made: dict[str, FakeSeparator] = {}

    def get(model: str) -> FakeSeparator:
        catalog.get_spec(model)
        return made.setdefault(model, FakeSeparator(model))

    monkeypatch.setattr("workers.pipeline.get_separator", get)
    return made
