"""Private mode's ONNX model: size, agreement and onnxruntime speed of each way to store it.

Run from the repository root:

    .venv/bin/python bench/onnx_variants.py [--precisions fp32,fp16,int8,int8-fp16]
        [--forms transposed,subpixel] [--runs 5]

For each weight precision and decoder form it exports the model (`separation.onnx_export`)
and reports: the file's bytes; the agreement (SDR in dB) of vocals and accompaniment
computed through the engine's full algorithm (STFT, masks, inverse STFT of
`separation.spleeter.UNet2Stems`, only the U-Nets replaced by the ONNX session) against
the float32 PyTorch engine, on the example song; and onnxruntime's CPU time for one
512-frame segment (batch 1, both networks), with 1 and 2 intra-op threads, the best of
`--runs` taken in turns across the variants so that other load on the machine hits them
alike. onnxruntime-web (WASM) runs the same graph but with other kernels: measure the
browser with bench/private_mode.py.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from separation.audio import read_audio
from separation.onnx_export import export_onnx
from separation.pretrained import example_song
from separation.spleeter import UNet2Stems


class OnnxStems(UNet2Stems):
    """The engine's unet-2stems with both U-Nets replaced by one ONNX session."""

    def __init__(self, session: ort.InferenceSession) -> None:
        super().__init__(torch.device("cpu"), wiener=0)  # the networks' precision alone
        self.session = session
        self.nets = ["vocals", "accompaniment"]
        self._accompaniment = None

    def _run(self, net, batch: torch.Tensor) -> torch.Tensor:
        if net == "vocals":
            vocals, self._accompaniment = self.session.run(None, {"magnitude": batch.numpy()})
            return torch.from_numpy(vocals)
        return torch.from_numpy(self._accompaniment)


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    reference = reference.astype(np.float64)
    return float(10 * np.log10(np.sum(reference**2) / np.sum((reference - estimate) ** 2)))


def session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precisions", default="fp32,fp16,int8,int8-fp16")
    parser.add_argument("--forms", default="transposed,subpixel")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    mix = read_audio(example_song()).samples
    engine = UNet2Stems(torch.device("cpu"), wiener=0).separate(mix)
    folder = Path(tempfile.mkdtemp(prefix="onnx-variants-"))
    variants = {}
    for precision in args.precisions.split(","):
        for form in args.forms.split(","):
            name = f"{precision}/{form}"
            path = folder / f"{precision}-{form}.onnx"
            path.write_bytes(export_onnx(precision=precision, subpixel=form == "subpixel"))
            stems = OnnxStems(session(path, 2)).separate(mix)
            agreement = {stem: sdr(engine[stem], stems[stem]) for stem in engine}
            variants[name] = path
            print(
                f"{name:22s} {path.stat().st_size:>10d} bytes  "
                f"vocals {agreement['vocals']:6.1f} dB  "
                f"accompaniment {agreement['accompaniment']:6.1f} dB",
                flush=True,
            )
    magnitude = {"magnitude": np.random.default_rng(0).random((1, 2, 512, 1024), np.float32)}
    for threads in (1, 2):
        sessions = {name: session(path, threads) for name, path in variants.items()}
        best = dict.fromkeys(sessions, float("inf"))
        for s in sessions.values():
            s.run(None, magnitude)  # warm-up
        for _ in range(args.runs):
            for name, s in sessions.items():
                start = time.perf_counter()
                s.run(None, magnitude)
                best[name] = min(best[name], time.perf_counter() - start)
        for name, seconds in best.items():
            print(f"{name:22s} {threads} thread(s): {seconds:.3f} s per segment", flush=True)
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
