"""Write a separation's stems into a folder as the engine hands them over: all, or none.

Two passes, both streamed, so no stem is ever held whole:
1. every block of every stem goes at once to that stem's float WAV "master", at the
   output rate, in a hidden scratch folder inside the output folder;
2. `finish` reads each master back in blocks and encodes it in the asked format.
The second pass exists because integer and lossy formats would clip a stem above full
scale, and the one gain that brings every stem under it (`audio.fit_gain`, as the whole-
array `rescale_to_fit` does) depends on the loudest sample of the whole song, known only
once the last block is out; float masters keep those samples exact until then. A float
WAV needs no gain: its master is the output, and the second pass is only a rename.
The price is scratch space: about 1.3 GB per stem and hour of audio, freed stem by stem.

Nothing takes an output name until every stem is complete: a failure or an interrupt
removes the scratch folder (and the output folder, if this created it and it is empty).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import numpy as np
import soundfile as sf

from separation.audio import OUTPUT_FORMATS, WAV_DEPTHS, AudioWriter, fit_gain, read_blocks
from separation.backend import Progress
from separation.errors import InvalidOptions, SeparationError


class StemWriteError(SeparationError):
    """The stems could not be written (no space left, no permission...)."""


class StemOutput:
    """The files `out_dir/<stem>.<fmt>` of one separation, written as blocks come.

    Use it as a context manager: `write` each block of stems, then `finish`; leaving the
    block without `finish` (an error, Ctrl-C) leaves nothing behind.
    """

    def __init__(
        self,
        out_dir: str | Path,
        *,
        fmt: str = "wav",
        wav_depth: str = "16",
        in_rate: int,
        out_rate: int,
    ) -> None:
        check_output(fmt, wav_depth)
        self.out = Path(out_dir)
        self.fmt = fmt
        self.wav_depth = wav_depth
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._created = not self.out.exists()
        with _writing(self.out):
            self.out.mkdir(parents=True, exist_ok=True)
            self.scratch = Path(tempfile.mkdtemp(prefix=".partial-stems-", dir=self.out))
        self._masters: dict[str, AudioWriter] = {}
        self._finished = False

    @property
    def float_output(self) -> bool:
        """Whether the output keeps samples above full scale as they are (no gain needed)."""
        return self.fmt == "wav" and self.wav_depth == "float"

    def write(self, block: dict[str, np.ndarray]) -> None:
        """Append one block of every stem ({name: (2, k) float32}) to the stems' masters."""
        with _writing(self.out):
            for name, samples in block.items():
                if name not in self._masters:
                    path = self.scratch / f"{name}.master.wav"
                    self._masters[name] = AudioWriter(
                        path, self.in_rate, "wav", wav_depth="float", out_rate=self.out_rate
                    )
                self._masters[name].write(samples)

    def finish(self, progress: Progress | None = None) -> dict[str, Path]:
        """Encode every master in the asked format, then give each file its name.

        `progress` receives the fraction of stems encoded.
        """
        with _writing(self.out):
            for writer in self._masters.values():
                writer.close()
            peak = max((writer.peak for writer in self._masters.values()), default=0.0)
            gain = 1.0 if self.float_output else fit_gain(peak)
            done: dict[str, Path] = {}
            for index, name in enumerate(self._masters):
                done[name] = self._encode(name, gain)
                if progress is not None:
                    progress((index + 1) / len(self._masters))
            paths = {name: self.out / f"{name}.{self.fmt}" for name in done}
            for name, path in done.items():
                os.replace(path, paths[name])
        self._finished = True
        shutil.rmtree(self.scratch, ignore_errors=True)
        return paths

    def _encode(self, name: str, gain: float) -> Path:
        """Return the finished file of stem `name`, made from its master (then removed)."""
        master = self.scratch / f"{name}.master.wav"
        if self.float_output:
            return master
        path = self.scratch / f"{name}.{self.fmt}"
        with AudioWriter(
            path, self.out_rate, self.fmt, wav_depth=self.wav_depth, gain=gain
        ) as writer:
            for samples in read_blocks(master):
                writer.write(samples)
        master.unlink()
        return path

    def discard(self) -> None:
        """Remove everything written so far, and the output folder if this created it."""
        for writer in self._masters.values():
            with contextlib.suppress(Exception):  # the file goes anyway; keep the first error
                writer.close()
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self._created:
            with contextlib.suppress(OSError):  # not empty: something else is in it now
                self.out.rmdir()

    def __enter__(self) -> StemOutput:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._finished:
            self.discard()


def check_output(fmt: str, wav_depth: str) -> None:
    """Refuse an unknown output format or WAV depth (before any work)."""
    if fmt not in OUTPUT_FORMATS:
        raise InvalidOptions(f"Unknown output format {fmt!r}; use {', '.join(OUTPUT_FORMATS)}.")
    if wav_depth not in WAV_DEPTHS:
        raise InvalidOptions(f"WAV depth must be one of {', '.join(WAV_DEPTHS)}.")


@contextlib.contextmanager
def _writing(folder: Path) -> Iterator[None]:
    """Turn a failure to write into a StemWriteError a person can act on."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or "the system refused"
        raise StemWriteError(f"Could not write the stems in {folder}: {reason}.") from exc
    except sf.SoundFileError as exc:
        raise StemWriteError(f"Could not write the stems in {folder}: is the disk full?") from exc
