"""Encode a job's stems into every stored format, holding no more than a block of audio.

Two passes, both streamed through local files:
1. each stem, block by block as the engine produces it (every stem's master open at
   once), goes to a float WAV "master" at the output rate, which keeps peaks above full
   scale; the job's peak is tracked on the way;
2. each master is read back in blocks for each other format, and once for its waveform
   peaks; these copies are made side by side on `threads` threads (LAME, libsndfile and
   soxr let go of the GIL while they work), every stem's at once, so the stage lasts
   about as long as its slowest copy when there are cores enough. Integer and lossy
   copies (and the peaks) take one common gain when the job's peak exceeds full scale,
   so none clips and the stems keep their balance (the float WAV stays exact).
"""

import contextlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from separation import audio
from separation.backend import Block
from separation.peaks import PeaksAccumulator
from webapp.jobs.lifecycle import EncodedFile, StemData
from webapp.jobs.stem_files import STEM_FORMATS, WAV, StemFormat


@dataclass
class _Master:
    name: str
    path: Path
    frames: int = 0


class StemEncoder:
    """Write stems to masters as they come, then yield each one encoded in every format."""

    def __init__(
        self,
        folder: Path,
        *,
        in_rate: int,
        out_rate: int,
        wav_depth: str = "float",
        threads: int = 1,
    ) -> None:
        self.folder = folder
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.wav_depth = wav_depth
        self.threads = max(1, threads)
        self.peak = 0.0
        self._masters: list[_Master] = []

    @contextlib.contextmanager
    def stem(self, name: str) -> Iterator[audio.AudioWriter]:
        """Open the master of stem `name`: write (2, n) float32 blocks to it, in order."""
        master = _Master(name, self.folder / f"{len(self._masters)}.master.wav")
        self._masters.append(master)  # stems keep the order they were opened in
        with audio.AudioWriter(
            master.path, self.in_rate, "wav", wav_depth="float", out_rate=self.out_rate
        ) as writer:
            yield writer
        master.frames = writer.frames
        self.peak = max(self.peak, writer.peak)

    def add(self, name: str, samples: np.ndarray) -> None:
        """Write a whole stem (from an engine that returns whole arrays)."""
        with self.stem(name) as writer:
            writer.write(samples)

    def add_blocks(self, blocks: Iterable[Block]) -> None:
        """Write stems handed over block by block, as `Separator.separate_blocks` yields them.

        Every stem's master is open at once and each block goes to disk as it comes, so
        no stem is ever held whole. Blocks must be consecutive, from sample 0.
        """
        with contextlib.ExitStack() as stack:
            writers: dict[str, audio.AudioWriter] = {}
            expected = 0
            for start, block in blocks:
                if start != expected:
                    raise ValueError(f"A block starts at sample {start}, not at {expected}.")
                for name, samples in block.items():
                    if name not in writers:
                        writers[name] = stack.enter_context(self.stem(name))
                    writers[name].write(samples)
                    expected = start + samples.shape[1]

    @property
    def gain(self) -> float:
        """The one gain of this job's integer and lossy copies."""
        return audio.fit_gain(self.peak)

    def encoded(
        self, *, before_each: Callable[[int, int], None] | None = None
    ) -> Iterator[StemData]:
        """Yield each stem encoded in every format; its files go once the caller has them.

        Every stem's copies start at once on the encoder's threads; stems are yielded in
        order as each is complete. `before_each(index, count)` runs before waiting for a
        stem (to report progress, and to stop by raising when the job was cancelled).
        """
        count = len(self._masters)
        with ThreadPoolExecutor(self.threads, thread_name_prefix="encode") as pool:
            try:
                pending = [self._start(pool, master) for master in self._masters]
                for index, (master, copies, peaks) in enumerate(pending):
                    if before_each is not None:
                        before_each(index, count)
                    files, peaks_path = self._finish(master, copies, peaks)
                    yield StemData(
                        name=master.name,
                        duration=master.frames / self.out_rate,
                        sample_rate=self.out_rate,
                        files=tuple(files),
                        peaks=peaks_path,
                    )
                    for encoded in files:
                        encoded.path.unlink(missing_ok=True)
                    peaks_path.unlink(missing_ok=True)
            finally:
                pool.shutdown(cancel_futures=True)

    def _start(
        self, pool: ThreadPoolExecutor, master: _Master
    ) -> tuple[_Master, list[Future[EncodedFile]], Future[Path]]:
        """Start every copy of a master but the float master itself, and its peaks."""
        formats = [f for f in STEM_FORMATS.values() if not (self._keep_master and f is WAV)]
        copies = [pool.submit(self._copy, master, fmt) for fmt in formats]
        return master, copies, pool.submit(self._peaks, master)

    def _finish(
        self, master: _Master, copies: list[Future[EncodedFile]], peaks: Future[Path]
    ) -> tuple[list[EncodedFile], Path]:
        """Wait for a master's copies; the master is a copy itself or is deleted."""
        files = [copy.result() for copy in copies]
        peaks_path = peaks.result()
        if self._keep_master:
            return [EncodedFile(WAV.key, master.path, self.out_rate), *files], peaks_path
        master.path.unlink()
        return files, peaks_path

    @property
    def _keep_master(self) -> bool:
        return self.wav_depth == "float"

    def _copy(self, master: _Master, fmt: StemFormat) -> EncodedFile:
        """Read a master in blocks and encode it in one format."""
        with self._writer(master, fmt) as writer:
            for block in audio.read_blocks(master.path):
                writer.write(block)
        return EncodedFile(fmt.key, self._path(master, fmt), writer.sample_rate)

    def _peaks(self, master: _Master) -> Path:
        """Read a master in blocks and write its waveform peaks."""
        # The peaks take the lossy copies' gain: the waveform shows what a player plays.
        peaks = PeaksAccumulator(self.out_rate, gain=self.gain)
        for block in audio.read_blocks(master.path):
            peaks.add(block)
        path = master.path.with_name(f"{self._stem_number(master)}.peaks.json")
        peaks.write(path)
        return path

    def _writer(self, master: _Master, fmt: StemFormat) -> audio.AudioWriter:
        return audio.AudioWriter(
            self._path(master, fmt),
            self.out_rate,
            fmt.codec,
            wav_depth="24" if fmt.codec == "flac" else self.wav_depth,
            mp3_bitrate=fmt.mp3_bitrate,
            gain=self.gain,
            out_rate=fmt.sample_rate,
        )

    def _path(self, master: _Master, fmt: StemFormat) -> Path:
        return master.path.with_name(f"{self._stem_number(master)}.{fmt.suffix}")

    def _stem_number(self, master: _Master) -> str:
        return master.path.name.split(".")[0]
