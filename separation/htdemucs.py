"""The `htdemucs` model through the demucs package, run by our own chunked inference.

Stems come out block by block as the overlapping chunks make them final; the models of
a bag run side by side and each block is their weighted average.

Weights come from a local model folder (demucs' `repo=` layout: `<name>.yaml` naming
`<sig>-<checksum>.th` files) or, when no folder is given, demucs' normal download.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import cast

import numpy as np
import torch

from separation.audio import SAMPLE_RATE
from separation.backend import Block, Progress, collect_blocks
from separation.chunking import ChunkModel, chunked_blocks
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

    def separate(self, mix: np.ndarray, progress: Progress | None = None) -> dict[str, np.ndarray]:
        """Return the whole stems of (2, n) float32 audio (its blocks put together)."""
        return collect_blocks(self.separate_blocks(mix, progress), mix.shape[1])

    @torch.inference_mode()
    def separate_blocks(self, mix: np.ndarray, progress: Progress | None = None) -> Iterator[Block]:
        """Yield the model's sources of (2, n) float32 audio as they become final.

        Each model of a bag runs its own chunked inference; they advance together, and a
        block is averaged with the per-source weights once every model has produced it.
        """
        shares = _shared(progress, len(self.models))
        parts = zip(self.models, self.segments, shares, strict=True)
        streams = [
            chunked_blocks(
                self._runner(model),
                mix,
                sources=len(self.stems),
                segment=segment,
                overlap=self.overlap,
                batch_size=self.batch_size,
                device=self.device,
                progress=share,
            )
            for model, segment, share in parts
        ]
        for start, total in weighted_average(streams, self.weights):
            yield start, {stem: total[i] for i, stem in enumerate(self.stems)}

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


def weighted_average(
    streams: list[Iterator[tuple[int, np.ndarray]]], weights: list[list[float]]
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield the per-source weighted average of streams of (sources, channels, k) blocks.

    The streams cover the same samples in blocks of their own sizes. The one that has
    come least far is advanced next, and what all of them have produced is averaged and
    yielded, so little more than one block per stream waits at any time.
    """
    scales = [np.asarray(w, dtype=np.float32)[:, None, None] for w in weights]
    norm = np.asarray(weights, dtype=np.float32).sum(axis=0)[:, None, None]
    pending: list[list[np.ndarray]] = [[] for _ in streams]  # each one's blocks from `done`
    done = 0
    while True:
        ahead = [sum(block.shape[-1] for block in blocks) for blocks in pending]
        laggard = ahead.index(min(ahead))
        produced = next(streams[laggard], None)
        if produced is None:
            return  # the stream that came least far has ended: all of the song is out
        pending[laggard].append(produced[1])
        ahead[laggard] += produced[1].shape[-1]
        ready = min(ahead)
        if ready == 0:
            continue
        held = [blocks[0] if len(blocks) == 1 else np.concatenate(blocks, -1) for blocks in pending]
        total = held[0][..., :ready] * scales[0]
        for samples, scale in zip(held[1:], scales[1:], strict=True):
            total += samples[..., :ready] * scale
        total /= norm
        pending = [[samples[..., ready:]] if samples.shape[-1] > ready else [] for samples in held]
        yield done, total
        done += ready


def _shared(progress: Progress | None, count: int) -> list[Progress | None]:
    """Split `progress` among `count` parts running side by side: it gets their mean."""
    if progress is None:
        return [None] * count
    fractions = [0.0] * count

    def part(index: int) -> Progress:
        def report(fraction: float) -> None:
            fractions[index] = fraction
            progress(sum(fractions) / count)

        return report

    return [part(index) for index in range(count)]


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
