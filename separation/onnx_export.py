"""Export `unet-2stems`' two U-Nets as one ONNX file for private mode (in the browser).

The file takes `magnitude` (batch, 2, 512, 1024) and returns the raw network outputs
`vocals` and `accompaniment` of the same shape; the STFT, masks and inverse STFT around
them are the browser's (the algorithm of `separation.spleeter`). A manifest beside it
gives the file's size and SHA-256, the DSP constants and the source weights' checksums.

    python -m separation.onnx_export --out var/private-model
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import onnx
import torch
from torch import nn

from separation import spleeter
from separation.audio import SAMPLE_RATE
from separation.errors import ModelLoadingError
from separation.onnx_precision import PRECISIONS, store_weights
from separation.pretrained import SPLEETER_FILES, load_spleeter_unet, sha256
from separation.unet import UNet

MODEL = "unet-2stems"
FILENAME = "unet-2stems.onnx"
MANIFEST = "manifest.json"
# onnxruntime-web 1.30 runs every operator of this graph at opset 17.
OPSET = 17
# What ships (docs/engine.md, "Private mode's model"): ~20 MB at about 50 dB from the
# engine; the transposed-convolution form is the faster one in onnxruntime-web.
DEFAULT_PRECISION = "int8-fp16"


class TwoStems(nn.Module):
    """Both U-Nets on one input, so the browser loads one file and makes one call."""

    def __init__(self, vocals: UNet, accompaniment: UNet) -> None:
        super().__init__()
        self.vocals = vocals
        self.accompaniment = accompaniment

    def forward(self, magnitude: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.vocals(magnitude), self.accompaniment(magnitude)


def load_two_stems(model_dir: str | Path | None = None, *, subpixel: bool = False) -> TwoStems:
    """Load both verified U-Nets (as the engine does), in eval mode and float32."""
    nets = [load_spleeter_unet(stem, model_dir) for stem in ("vocals", "accompaniment")]
    if subpixel:
        nets = [net.use_subpixel() for net in nets]
    return TwoStems(*nets).float().eval()


def export_onnx(
    model_dir: str | Path | None = None,
    *,
    precision: str = DEFAULT_PRECISION,
    subpixel: bool = False,
) -> bytes:
    """Return the serialized ONNX model of both U-Nets, weights stored as `precision`."""
    if precision not in PRECISIONS:
        raise ValueError(f"Unknown precision {precision!r}; choose one of {PRECISIONS}.")
    module = load_two_stems(model_dir, subpixel=subpixel)
    example = torch.zeros(1, 2, spleeter.SEGMENT, spleeter.BINS)
    batch = {0: "batch"}
    with tempfile.TemporaryDirectory() as scratch, warnings.catch_warnings():
        # The TorchScript exporter warns that it is the legacy one; it needs no onnxscript.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (example,),
            Path(scratch) / FILENAME,
            dynamo=False,
            opset_version=OPSET,
            input_names=["magnitude"],
            output_names=["vocals", "accompaniment"],
            dynamic_axes={"magnitude": batch, "vocals": batch, "accompaniment": batch},
        )
        model = onnx.load(Path(scratch) / FILENAME)
    store_weights(model, precision)
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def write_model(
    out: str | Path,
    model_dir: str | Path | None = None,
    *,
    precision: str = DEFAULT_PRECISION,
    subpixel: bool = False,
) -> dict[str, Any]:
    """Write the ONNX file and its manifest into `out`; return the manifest.

    The manifest is written last, so it only ever describes a complete model file.
    """
    data = export_onnx(model_dir, precision=precision, subpixel=subpixel)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)
    _replace(folder / FILENAME, data)
    manifest = {
        "model": MODEL,
        "file": FILENAME,
        "bytes": len(data),
        "sha256": sha256(folder / FILENAME),
        "precision": precision,
        "sample_rate": SAMPLE_RATE,
        "n_fft": spleeter.N_FFT,
        "hop": spleeter.HOP,
        "bins": spleeter.BINS,
        "segment": spleeter.SEGMENT,
        "extension_bins": spleeter.EXTENSION_BINS,
        "eps": spleeter.EPS,
        "onnx_opset": OPSET,
        "weights_sha256": {stem: digest for stem, (_, digest) in SPLEETER_FILES.items()},
    }
    _replace(folder / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest


def _replace(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: export the model and manifest into --out; 1 with a plain message on error."""
    parser = argparse.ArgumentParser(
        prog="python -m separation.onnx_export", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--model-dir", default=None, help="folder with the 2stems checkpoints")
    parser.add_argument("--precision", default=DEFAULT_PRECISION, choices=PRECISIONS)
    parser.add_argument(
        "--subpixel", action="store_true", help="decoders as 3x3 conv + pixel shuffle"
    )
    args = parser.parse_args(argv)
    try:
        manifest = write_model(
            args.out, args.model_dir, precision=args.precision, subpixel=args.subpixel
        )
    except ModelLoadingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{Path(args.out) / FILENAME}: {manifest['bytes']} bytes, {manifest['precision']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
