"""Loading the Spleeter weights: verified by checksum, unpickled without running code."""

import shutil

import pytest
import torch

from separation.api import Separator
from separation.errors import ModelLoadingError
from separation.pretrained import SPLEETER_FILES, _safe_load, load_spleeter_unet, spleeter_dir


class _Exploit:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path(__file__ + '.pwned').touch()",))


def test_it_loads_the_pretrained_weights_into_our_unet():
    net = load_spleeter_unet("vocals")
    assert not net.training
    first = net.encoder[0].conv.weight
    assert first.shape == (16, 2, 5, 5)
    assert first.abs().sum() > 0


def test_a_weight_file_with_a_wrong_checksum_is_refused(tmp_path):
    for name, _ in SPLEETER_FILES.values():
        shutil.copy(spleeter_dir() / name, tmp_path / name)
    path = tmp_path / SPLEETER_FILES["vocals"][0]
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelLoadingError, match="checksum"):
        load_spleeter_unet("vocals", tmp_path)


def test_the_separator_loads_unet_weights_from_the_folder_it_is_given(tmp_path, monkeypatch):
    # The engine reads no environment: only the folder passed in counts.
    monkeypatch.setenv("STEMWORKS_SPLEETER_DIR", str(tmp_path / "ignored"))
    assert Separator("unet-2stems", device="cpu").backend.stems == ("vocals", "accompaniment")
    with pytest.raises(ModelLoadingError, match=f"{tmp_path}.* does not exist"):
        Separator("unet-2stems", device="cpu", model_dir=tmp_path)


def test_missing_weights_are_a_loading_error(tmp_path):
    with pytest.raises(ModelLoadingError, match="does not exist"):
        load_spleeter_unet("vocals", tmp_path)


def test_a_pickle_that_runs_code_is_refused_without_running_it(tmp_path):
    path = tmp_path / "evil.ckpt"
    torch.save({"down1_conv.1.weight": _Exploit()}, path)
    with pytest.raises(ModelLoadingError, match="could not be loaded safely"):
        _safe_load(path)
    assert not list(tmp_path.glob("*.pwned"))
