"""Device choice: auto prefers CUDA, then MPS, then the CPU; bad requests are refused."""

import pytest
import torch

from separation.device import pick_device, set_threads
from separation.errors import InvalidOptions


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert pick_device("auto").type == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert pick_device("auto").type == "mps"
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device("auto").type == "cpu"


def test_asking_for_cuda_without_it_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(InvalidOptions, match="no CUDA device"):
        pick_device("cuda")


def test_an_unknown_device_is_refused():
    with pytest.raises(InvalidOptions, match="auto, cpu, cuda, mps"):
        pick_device("tpu")


def test_cpu_threads_are_configurable():
    before = torch.get_num_threads()
    try:
        set_threads(1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    with pytest.raises(InvalidOptions):
        set_threads(0)
