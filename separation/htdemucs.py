"""The `htdemucs` model through the demucs package, run by our own chunked inference.

Weights come from a local model folder (demucs' `repo=` layout: `<name>.yaml` naming
`<sig>-<checksum>.th` files) or, when no folder is given, demucs' normal download.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import cast

import numpy as np
import torch

from separation.audio import SAMPLE_RATE
from separation.backend import Progress
from separation.chunking import ChunkModel, apply_chunked
from separation.errors import InvalidOptions, ModelLoadingError

DEFAULT_OVERLAP = 0.25

# (models, per-model weight of each source, source names) of a model or a bag of them.
Loaded = tuple[list[torch.nn.Module], list[list[float]], tuple[str, ...]]


class HTDemucs4Stems:
    """Drums/bass/other/vocals separation with a (bag of) HTDemucs model(s).

    `overlap` is the fraction shared by neighbouring chunks (default 0.25, as demucs);
    `segment` the chunk length in seconds (default, and at most, what each model was
    trained on); `batch_size` how many chunks run at once (default 4 on CUDA, else 1);
    `half` runs the model under fp16 autocast (default off).
    """

    sums_to_mix: bool = False

    def __init__(
        self,
        device: torch.device,
        *,
        name: str = "htdemucs",
        model_dir: str | Path | None = None,
        overlap: float | None = None,
        segment: float | None = None,
        batch_size: int | None = None,
        half: bool | None = None,
    ) -> None:
        self.device = device
        self.overlap = DEFAULT_OVERLAP if overlap is None else overlap
        # fp16 is opt-in: demucs is trained and validated in fp32, and its quality in
        # fp16 has not been measured here (no GPU).
        self.half = bool(half)
        self.batch_size = batch_size or (4 if device.type == "cuda" else 1)
        self.models, self.weights, self.stems = _load(name, model_dir)
        self.segments = [_segment_samples(model, segment, name) for model in self.models]
        for model in self.models:
            model.to(device)

    @torch.inference_mode()
    def separate(
        self, mix: np.ndarray, progress: Progress | None = None, *, inplace: bool = False
    ) -> dict[str, np.ndarray]:
        """Separate (2, n) float32 audio into the model's sources (`mix` is left as is)."""
        total: np.ndarray | None = None
        parts = zip(self.models, self.weights, self.segments, strict=True)
        for index, (model, weights, segment) in enumerate(parts):
            estimate = apply_chunked(
                self._runner(model),
                mix,
                sources=len(self.stems),
                segment=segment,
                overlap=self.overlap,
                batch_size=self.batch_size,
                device=self.device,
                progress=_scaled(progress, index, len(self.models)),
            )
            estimate *= np.asarray(weights, dtype=np.float32)[:, None, None]
            if total is None:
                total = estimate
            else:
                total += estimate
            del estimate  # a bag of models holds at most two full-length estimates
        assert total is not None
        total /= np.asarray(self.weights, dtype=np.float32).sum(axis=0)[:, None, None]
        return {stem: total[i] for i, stem in enumerate(self.stems)}

    def _runner(self, model: torch.nn.Module) -> ChunkModel:
        def run(batch: torch.Tensor) -> torch.Tensor:
            if self.half:
                with torch.autocast(self.device.type, dtype=torch.float16):
                    return cast(torch.Tensor, model(batch))
            return cast(torch.Tensor, model(batch))

        return run


def _segment_samples(model: torch.nn.Module, segment: float | None, name: str) -> int:
    """Return the chunk length in samples: `segment` seconds, or what `model` was trained on.

    HTDemucs' transformer was trained on chunks of one length; demucs refuses longer ones.
    """
    trained = Fraction(cast(Fraction, model.segment))
    if segment is None:
        return int(trained * SAMPLE_RATE)
    if segment > trained:
        raise InvalidOptions(
            f"The segment of {segment:g} s is longer than the {float(trained):.2f} s "
            f"demucs model {name!r} was trained on; use at most that."
        )
    return int(segment * SAMPLE_RATE)


def _scaled(progress: Progress | None, index: int, count: int) -> Progress | None:
    if progress is None:
        return None
    return lambda fraction: progress((index + fraction) / count)


def _load(name: str, model_dir: str | Path | None) -> Loaded:
    """Return (models, per-model source weights, stem names) for a demucs model or bag."""
    from demucs.apply import BagOfModels
    from demucs.pretrained import get_model
    from demucs.repo import ModelLoadingError as DemucsLoadingError

    repo = None
    if model_dir is not None:
        repo = Path(model_dir)
        if not repo.is_dir():
            raise ModelLoadingError(f"Demucs model folder {repo} does not exist.")
    try:
        model = get_model(name, repo=repo)
    except (DemucsLoadingError, OSError, RuntimeError, ValueError, KeyError) as exc:
        raise ModelLoadingError(f"Could not load demucs model {name!r}: {exc}") from exc
    except SystemExit as exc:  # demucs calls sys.exit on some loading errors
        raise ModelLoadingError(f"Could not load demucs model {name!r}.") from exc
    models: list[torch.nn.Module] = (
        list(model.models) if isinstance(model, BagOfModels) else [model]
    )
    if isinstance(model, BagOfModels):
        weights = [[float(x) for x in w] for w in model.weights]
    else:
        weights = [[1.0] * len(model.sources)]
    for sub in models:
        if sub.samplerate != SAMPLE_RATE or sub.audio_channels != 2:
            raise ModelLoadingError(f"Demucs model {name!r} is not a 44.1 kHz stereo model.")
        sub.eval()
    return models, weights, tuple(model.sources)
