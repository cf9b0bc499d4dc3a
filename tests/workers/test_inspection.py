"""The worker's own inspect command: the device it names, as its jobs record it."""

import pytest

from workers import inspection


@pytest.fixture(autouse=True)
def fresh_device():
    inspection.worker_device.cache_clear()
    yield
    inspection.worker_device.cache_clear()


@pytest.mark.parametrize(
    ("configured", "named"), [("cpu", "cpu"), ("cuda", "cuda:0"), ("cuda:1", "cuda:1")]
)
def test_the_device_is_named_as_jobs_record_it(settings, configured, named):
    settings.STEMWORKS_DEVICE = configured

    assert inspection.worker_device() == named


def test_auto_names_the_cpu_on_a_machine_without_cuda(settings, monkeypatch):
    import torch

    settings.STEMWORKS_DEVICE = "auto"
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)

    assert inspection.worker_device() == "cpu"


def test_auto_names_the_first_gpu_when_there_is_one(settings, monkeypatch):
    import torch

    settings.STEMWORKS_DEVICE = "auto"
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)

    assert inspection.worker_device() == "cuda:0"
