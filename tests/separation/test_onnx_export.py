"""The ONNX export for private mode: same networks, same stems, a manifest that tells the truth.

onnxruntime (Python, CPU) stands in for onnxruntime-web: both run the same graph.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from separation import onnx_export, spleeter
from separation.errors import ModelLoadingError
from separation.onnx_export import export_onnx, load_two_stems, main, write_model
from separation.onnx_precision import stored_weights
from separation.pretrained import SPLEETER_FILES, sha256, spleeter_dir
from separation.spleeter import UNet2Stems

CONTRACT_KEYS = {
    "model",
    "file",
    "bytes",
    "sha256",
    "precision",
    "sample_rate",
    "n_fft",
    "hop",
    "bins",
    "segment",
    "extension_bins",
    "eps",
    "onnx_opset",
    "weights_sha256",
}
# The bar of issue 11: each stem within 30 dB SDR of the engine's.
AGREEMENT_DB = 30.0


class OnnxStems(UNet2Stems):
    """The engine's unet-2stems with both U-Nets replaced by one ONNX session."""

    def __init__(self, session: ort.InferenceSession) -> None:
        super().__init__(torch.device("cpu"), wiener=0)  # the networks' precision alone
        self.session = session
        self.nets = ["vocals", "accompaniment"]
        self._accompaniment: np.ndarray | None = None

    def _run(self, net, batch: torch.Tensor) -> torch.Tensor:
        # The session gives both outputs at once; the engine asks for vocals first.
        if net == "vocals":
            vocals, self._accompaniment = self.session.run(None, {"magnitude": batch.numpy()})
            return torch.from_numpy(vocals)
        return torch.from_numpy(self._accompaniment)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("private-model")
    assert main(["--out", str(folder)]) == 0
    return folder


@pytest.fixture(scope="module")
def manifest(exported: Path) -> dict:
    return json.loads((exported / "manifest.json").read_text())


@pytest.fixture(scope="module")
def session(exported: Path) -> ort.InferenceSession:
    return ort.InferenceSession(exported / "unet-2stems.onnx", providers=["CPUExecutionProvider"])


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    reference = reference.astype(np.float64)
    return float(10 * np.log10(np.sum(reference**2) / np.sum((reference - estimate) ** 2)))


def test_the_onnx_outputs_equal_the_pytorch_unets_on_a_random_batch(exported, session):
    # The PyTorch U-Nets get the weights as the file stores them (int8 or fp16, decoded), so
    # the graph itself is checked to float rounding; what the precision costs is measured
    # on real music below. Batch 3: the batch axis is dynamic (exported with batch 1).
    nets = load_two_stems()
    stored = stored_weights(onnx.load(exported / "unet-2stems.onnx"))
    assert len(stored) == 2 * 13  # every convolution weight of both U-Nets
    nets.load_state_dict({name: torch.from_numpy(w) for name, w in stored.items()}, strict=False)
    magnitude = torch.rand(3, 2, 512, 1024, generator=torch.Generator().manual_seed(0)) * 4
    with torch.inference_mode():
        expected = nets(magnitude)
    outputs = session.run(["vocals", "accompaniment"], {"magnitude": magnitude.numpy()})
    for got, want in zip(outputs, expected, strict=True):
        assert got.shape == want.shape == (3, 2, 512, 1024)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5 * want.abs().max())


def test_the_stems_through_onnx_agree_with_the_engine_on_real_music(session, clip):
    engine = UNet2Stems(torch.device("cpu"), wiener=0).separate(clip)
    private = OnnxStems(session).separate(clip)
    for stem in ("vocals", "accompaniment"):
        agreement = sdr(engine[stem], private[stem])
        print(f"{stem}: {agreement:.1f} dB SDR against the engine")
        assert agreement >= AGREEMENT_DB
    np.testing.assert_allclose(private["vocals"] + private["accompaniment"], clip, atol=1e-6)


def test_the_manifest_describes_the_file_and_the_algorithm(exported, manifest):
    model = exported / manifest["file"]
    assert set(manifest) == CONTRACT_KEYS
    assert manifest["model"] == "unet-2stems"
    assert manifest["file"] == "unet-2stems.onnx"
    assert manifest["bytes"] == model.stat().st_size
    assert manifest["sha256"] == sha256(model)
    assert manifest["precision"] == onnx_export.DEFAULT_PRECISION
    assert manifest["weights_sha256"] == {stem: f[1] for stem, f in SPLEETER_FILES.items()}
    assert (manifest["sample_rate"], manifest["n_fft"], manifest["hop"]) == (44100, 4096, 1024)
    assert (manifest["bins"], manifest["segment"], manifest["extension_bins"]) == (
        spleeter.BINS,
        spleeter.SEGMENT,
        spleeter.EXTENSION_BINS,
    )
    assert manifest["eps"] == spleeter.EPS == 1e-10
    assert manifest["onnx_opset"] == 17
    # Weights stored in fewer bits: well under the 78 MB of float32.
    assert manifest["bytes"] < 25_000_000


def test_the_graph_has_the_contract_inputs_and_outputs(session):
    (given,) = session.get_inputs()
    assert (given.name, given.type, given.shape[1:]) == (
        "magnitude",
        "tensor(float)",
        [2, 512, 1024],
    )
    assert isinstance(given.shape[0], str)  # the dynamic batch axis
    outputs = {out.name: out.type for out in session.get_outputs()}
    assert outputs == {"vocals": "tensor(float)", "accompaniment": "tensor(float)"}


def test_onnxruntime_decodes_the_stored_weights_once_at_load(exported, tmp_path):
    # The Cast/Mul nodes that decode int8/fp16 weights fold into float32 constants, so
    # running the model costs what the float32 export costs.
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    ort.InferenceSession(exported / "unet-2stems.onnx", options, providers=["CPUExecutionProvider"])
    optimized = onnx.load(tmp_path / "optimized.onnx")
    ops = [node.op_type for node in optimized.graph.node]
    assert "Cast" not in ops
    assert ops.count("Mul") == 2  # each U-Net's mask times its input
    assert {init.data_type for init in optimized.graph.initializer} <= {
        onnx.TensorProto.FLOAT,
        onnx.TensorProto.INT64,  # shapes and slice bounds
    }


def test_exporting_twice_gives_the_same_file(manifest):
    again = export_onnx()
    assert len(again) == manifest["bytes"]
    assert sha256_of(again) == manifest["sha256"]


def test_altered_weights_are_refused_and_nothing_is_written(tmp_path, capsys):
    weights = tmp_path / "weights"
    weights.mkdir()
    for name, _ in SPLEETER_FILES.values():
        shutil.copy(spleeter_dir() / name, weights / name)
    path = weights / SPLEETER_FILES["accompaniment"][0]
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    out = tmp_path / "out"
    assert main(["--out", str(out), "--model-dir", str(weights)]) == 1
    assert "checksum does not match" in capsys.readouterr().err
    assert not out.exists()


def test_missing_weights_are_a_loading_error(tmp_path):
    with pytest.raises(ModelLoadingError, match="does not exist"):
        write_model(tmp_path / "out", tmp_path)
    assert not (tmp_path / "out").exists()


def sha256_of(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
