"""Decode any supported upload to float32 stereo at 44.1 kHz, and encode stems.

Decoding streams the file block by block through libsndfile (soundfile) and a streaming
soxr resampler, so memory follows the audio actually present, never a size a header
claims, and a file longer than the allowed duration is refused as soon as it gets there.
Encoding streams too (`AudioWriter`): WAV, FLAC and MP3 are written a block at a time.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import soundfile as sf
import soxr

from separation import headers, refusals
from separation.errors import InvalidAudio, InvalidOptions

logger = logging.getLogger(__name__)

SAMPLE_RATE = 44100
MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 192000
MAX_CHANNELS = 64
BLOCK_FRAMES = 1 << 16
# Preallocate at most this much audio up front: a header may claim any length (a FLAC
# STREAMINFO can promise 2**36 frames), so beyond this the buffer grows as audio arrives.
MAX_PREALLOC_SECONDS = 600

# What libsndfile reports as the length of a stream that does not say it (SF_COUNT_MAX), as
# a streaming encoder's FLAC (total_samples = 0 in STREAMINFO) does.
UNKNOWN_FRAMES = (1 << 63) - 1

# libsndfile major formats we accept as input; others it can read are not music uploads.
INPUT_FORMATS = {"WAV", "WAVEX", "RF64", "W64", "FLAC", "OGG", "MP3", "AIFF"}
OUTPUT_FORMATS = ("wav", "flac", "mp3")
CONTENT_TYPES = {"wav": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg"}
WAV_DEPTHS = {"16": "PCM_16", "24": "PCM_24", "float": "FLOAT"}
MP3_RATES = {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000}
# LAME's algorithm quality (0 best and slowest .. 9): 3 is LAME's own default, about 40 %
# faster than 2 (`-h`) with no audible difference at the 160 and 320 kb/s we store, and
# MP3 encoding is most of a job's time after the model.
MP3_QUALITY = 3

AudioSource = str | Path | BinaryIO


@dataclass(frozen=True)
class AudioInfo:
    """What a file's header says, after checking it is plausible."""

    format: str
    subtype: str
    sample_rate: int
    channels: int
    frames: int

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate

    @property
    def length_known(self) -> bool:
        """Whether the header gives the length (a streaming encoder's FLAC does not)."""
        return self.frames != UNKNOWN_FRAMES


@dataclass(frozen=True)
class Audio:
    """Decoded audio: `samples` is float32 of shape (2, n) at `sample_rate`."""

    samples: np.ndarray
    sample_rate: int
    source: AudioInfo

    @property
    def duration(self) -> float:
        return float(self.samples.shape[1] / self.sample_rate)


def probe(source: AudioSource, *, max_duration: float | None = None) -> AudioInfo:
    """Read the header of `source` and check it describes usable audio.

    Besides the header, it looks at the first block (NaN or infinity in float files) and
    at the last frames the header promises (a file cut short), so such uploads are
    refused at once rather than by the worker. A stream whose header gives no length is
    decoded to count its frames, stopping as soon as it passes `max_duration`.
    """
    declared = _declared_frames(source)
    estimated = _length_estimated(source)
    try:
        with _open(source) as f:
            info = AudioInfo(f.format, f.subtype, f.samplerate, f.channels, f.frames)
            _check_header(info, max_duration)
            if not info.length_known:
                return replace(info, frames=_count_frames(f, info, max_duration))
            _check_first_block(f, info)
            try:
                _check_ending(f, info, declared)
            except InvalidAudio:
                if not estimated:
                    raise
                # Only an estimate was missed (a large tag, say): count what is there.
                f.seek(0)
                return replace(info, frames=_count_frames(f, info, max_duration))
    finally:
        _rewind(source)
    return info


def read_audio(
    source: AudioSource,
    *,
    max_duration: float | None = None,
    sample_rate: int = SAMPLE_RATE,
    out: np.ndarray | None = None,
) -> Audio:
    """Decode `source` to float32 stereo at `sample_rate`; raise InvalidAudio if unusable.

    With `out`, a (2, capacity_frames(max_duration)) float32 array (shared memory, say),
    the samples are decoded into it and the result is a view of it.
    """
    declared = _declared_frames(source)
    estimated = _length_estimated(source)
    try:
        with _open(source) as f:
            info = AudioInfo(f.format, f.subtype, f.samplerate, f.channels, f.frames)
            _check_header(info, max_duration)
            samples, frames_read = _decode(f, info, sample_rate, max_duration, out)
    finally:
        _rewind(source)
    if estimated or not info.length_known:
        info = replace(info, frames=frames_read)
    _check_complete(info, frames_read, declared)
    return Audio(samples, sample_rate, info)


def _open(source: AudioSource) -> sf.SoundFile:
    try:
        return sf.SoundFile(source if isinstance(source, str | Path) else _QuietSeeks(source))
    except sf.LibsndfileError as exc:
        _rewind(source)
        text = str(exc.error_string)
        logger.info("libsndfile refused an input: %s", text)
        raise InvalidAudio(refusals.open_refusal(text, _peek(source, headers.HEAD_BYTES))) from exc
    except OSError as exc:
        missing = isinstance(exc, FileNotFoundError)
        raise InvalidAudio(refusals.unreadable(missing)) from exc
    except (TypeError, ValueError) as exc:
        logger.info("an input could not be opened: %s", exc)
        raise InvalidAudio(refusals.UNKNOWN) from exc


class _QuietSeeks:
    """A file object whose invalid seeks fail quietly, as lseek(2) does for a real file.

    A damaged header can make libsndfile seek before the start; BytesIO raises, and an
    exception inside soundfile's callback is printed as a traceback and then ignored.
    """

    def __init__(self, file: BinaryIO) -> None:
        self._file = file

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            return self._file.seek(offset, whence)
        except (ValueError, OSError):
            return self._file.tell()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


def _rewind(source: AudioSource) -> None:
    if hasattr(source, "seek"):
        source.seek(0)


def _check_header(info: AudioInfo, max_duration: float | None) -> None:
    if info.format not in INPUT_FORMATS:
        raise InvalidAudio(refusals.unsupported_format(info.format))
    if info.channels < 1:
        raise InvalidAudio(refusals.NO_CHANNELS)
    if info.channels > MAX_CHANNELS:
        raise InvalidAudio(refusals.too_many_channels(info.channels, MAX_CHANNELS))
    if not MIN_SAMPLE_RATE <= info.sample_rate <= MAX_SAMPLE_RATE:
        raise InvalidAudio(refusals.bad_rate(info.sample_rate, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE))
    if info.frames <= 0:
        raise InvalidAudio(refusals.NO_SAMPLES)
    if max_duration is not None and info.length_known and _over(info.duration, max_duration):
        raise _too_long(info.duration, max_duration)


def _over(duration: float, max_duration: float) -> bool:
    return duration > max_duration * 1.01 + 1


def _too_long(duration: float, max_duration: float) -> InvalidAudio:
    return InvalidAudio(refusals.too_long(duration, max_duration))


def _count_frames(f: sf.SoundFile, info: AudioInfo, max_duration: float | None) -> int:
    """Decode a stream of unknown length to count its frames, up to `max_duration`."""
    frames = 0
    while True:
        got: int = _read_block(f).shape[0]
        frames += got
        if max_duration is not None and _over(frames / info.sample_rate, max_duration):
            raise _too_long(frames / info.sample_rate, max_duration)
        if got < BLOCK_FRAMES:
            break
    if frames == 0:
        raise InvalidAudio(refusals.NO_SAMPLES)
    return frames


def _check_first_block(f: sf.SoundFile, info: AudioInfo) -> None:
    """Refuse a float file whose first block holds NaN or infinity (one block, cheap)."""
    if info.subtype in ("FLOAT", "DOUBLE"):
        _read_block(f)
        f.seek(0)


def _check_ending(f: sf.SoundFile, info: AudioInfo, declared: int | None) -> None:
    """Refuse a file cut short, by the WAV/AIFF header's count or by reading its last frames.

    libsndfile shortens a cut WAV or AIFF to the frames present, so their header's own
    count tells; FLAC and MP3 report what their header promises, so a seek to the end
    and a short read tell (within the slack `_check_complete` allows compressed audio).
    """
    if declared is not None:
        if declared > info.frames:
            raise InvalidAudio(refusals.truncated(declared / info.sample_rate, info.duration))
        return
    slack = _slack(info.frames)
    start = max(0, info.frames - slack - 1)
    try:
        f.seek(start)
        got = f.read(min(info.frames - start, BLOCK_FRAMES), dtype="float32").shape[0]
    except sf.LibsndfileError as exc:
        logger.info("an input failed near its end: %s", exc.error_string)
        got = 0
    if got == 0:
        raise InvalidAudio(refusals.truncated(info.duration))


def _slack(frames: int) -> int:
    # Compressed formats only estimate their length; allow them a little slack.
    return max(frames // 50, 4096)


def capacity_frames(max_duration: float, rate: int = SAMPLE_RATE) -> int:
    """Frames an `out` buffer of `read_audio` needs: the most audio allowed, plus one
    decode block resampled from the lowest rate and the resampler's tail, which may
    arrive before the limit is noticed."""
    block = math.ceil(BLOCK_FRAMES * rate / MIN_SAMPLE_RATE)
    return int(max_duration * rate) + rate + block + 4096


def _decode(
    f: sf.SoundFile,
    info: AudioInfo,
    rate: int,
    max_duration: float | None,
    storage: np.ndarray | None = None,
) -> tuple[np.ndarray, int]:
    """Stream `f` through fold-down and resampling into one (2, n) float32 array."""
    resampler = (
        None
        if info.sample_rate == rate
        else soxr.ResampleStream(info.sample_rate, rate, 2, dtype="float32", quality="HQ")
    )
    limit = None if max_duration is None else int(max_duration * rate) + rate
    out = _Buffer(_estimate_frames(info, rate, limit), storage)
    frames_read = 0
    while True:
        block = _read_block(f)
        last = block.shape[0] < BLOCK_FRAMES
        frames_read += block.shape[0]
        stereo = fold_to_stereo(block)
        if resampler is not None:
            stereo = resampler.resample_chunk(stereo, last=last)
        out.append(stereo)
        if limit is not None and out.length > limit:
            raise _too_long(out.length / rate, max_duration)  # type: ignore[arg-type]
        if last:
            return out.result(), frames_read


def _read_block(f: sf.SoundFile) -> np.ndarray:
    try:
        block = _read_frames(f, BLOCK_FRAMES)
    except sf.LibsndfileError as exc:
        # libsndfile's own text ("Internal psf_fseek() failed") means nothing to a person.
        logger.info("decoding an input failed: %s", exc.error_string)
        raise InvalidAudio(refusals.CUT_OFF) from exc
    if not np.isfinite(block).all():
        raise InvalidAudio(refusals.INVALID_SAMPLES)
    return block


def _read_frames(f: sf.SoundFile, frames: int) -> np.ndarray:
    """Read up to `frames` (frames, channels) float32 frames from where `f` stands.

    `SoundFile.read` seeks to its new position after every read, and that seek fails at
    the end of a FLAC whose STREAMINFO gives no length, which would lose the last block;
    reading through libsndfile's own call, without the seek, does not.
    """
    out = np.empty((frames, f.channels), dtype=np.float32)
    got = sf._snd.sf_readf_float(f._file, sf._ffi.cast("float *", out.ctypes.data), frames)
    if f._errorcode:
        raise sf.LibsndfileError(f._errorcode)
    return out[:got]


def fold_to_stereo(block: np.ndarray) -> np.ndarray:
    """Return a C-contiguous (frames, 2) copy: mono duplicated, extra channels folded down.

    With more than two channels, even-numbered channels are averaged into the left and
    odd-numbered ones into the right, which keeps the level and never clips.
    """
    channels = block.shape[1]
    if channels == 1:
        return np.repeat(block, 2, axis=1)
    if channels == 2:
        return np.ascontiguousarray(block)
    left = block[:, 0::2].mean(axis=1)
    right = block[:, 1::2].mean(axis=1)
    return np.stack([left, right], axis=1).astype(np.float32, copy=False)


def _estimate_frames(info: AudioInfo, rate: int, limit: int | None) -> int:
    estimate = min(
        math.ceil(info.frames * rate / info.sample_rate) + 64, MAX_PREALLOC_SECONDS * rate
    )
    return estimate if limit is None else min(estimate, limit + BLOCK_FRAMES)


class _Buffer:
    """A (2, n) float32 array filled block by block; grows if the header undercounted.

    Given `storage`, it fills that array instead, which cannot grow.
    """

    def __init__(self, capacity: int, storage: np.ndarray | None = None) -> None:
        self._fixed = storage is not None
        self._data = (
            np.empty((2, max(capacity, 1)), dtype=np.float32) if storage is None else storage
        )
        self.length = 0

    def append(self, block: np.ndarray) -> None:
        end = self.length + block.shape[0]
        if end > self._data.shape[1]:
            if self._fixed:
                raise ValueError("the decode buffer is smaller than capacity_frames()")
            grown = np.empty((2, max(end, 2 * self._data.shape[1])), dtype=np.float32)
            grown[:, : self.length] = self._data[:, : self.length]
            self._data = grown
        self._data[:, self.length : end] = block.T
        self.length = end

    def result(self) -> np.ndarray:
        """Return the audio; a view when the spare capacity is small (no second copy)."""
        if self._fixed or self._data.shape[1] - self.length <= BLOCK_FRAMES:
            return self._data[:, : self.length]
        return self._data[:, : self.length].copy()


def _check_complete(info: AudioInfo, frames_read: int, declared: int | None) -> None:
    if frames_read == 0:
        raise InvalidAudio(refusals.NO_SAMPLES)
    expected = declared if declared is not None else info.frames
    slack = 0 if declared is not None else _slack(expected)
    if frames_read + slack < expected:
        raise InvalidAudio(
            refusals.truncated(expected / info.sample_rate, frames_read / info.sample_rate)
        )


def _declared_frames(source: AudioSource) -> int | None:
    """Return the frame count a WAV or AIFF header declares (see headers.declared_frames)."""
    return headers.declared_frames(_peek(source, headers.HEAD_BYTES))


def _length_estimated(source: AudioSource) -> bool:
    """Whether the length libsndfile will report is an estimate (an MP3 without Xing)."""
    head = _peek(source, headers.HEAD_BYTES)
    if headers.container(head) != "MP3":
        return False
    offset = headers.mp3_audio_offset(head)
    return not headers.mp3_length_exact(_peek(source, 256, offset))


def _peek(source: AudioSource, size: int, offset: int = 0) -> bytes:
    if not isinstance(source, str | Path):
        try:
            source.seek(offset)
            return source.read(size)
        finally:
            source.seek(0)
    try:
        with open(source, "rb") as f:
            f.seek(offset)
            return f.read(size)
    except OSError as exc:
        raise InvalidAudio(refusals.unreadable(isinstance(exc, FileNotFoundError))) from exc


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample (channels, n) float32 audio with soxr; returns the input if rates match."""
    if from_rate == to_rate:
        return samples
    out = soxr.resample(samples.T, from_rate, to_rate, quality="HQ")
    return np.ascontiguousarray(out.T, dtype=np.float32)


def fit_gain(peak: float) -> float:
    """Return the gain that brings a signal peaking at `peak` just under full scale (or 1).

    Integer and lossy formats would clip a stem that peaks above 1.0; applying one common
    gain to all stems of a song (as the CLI's StemOutput and the worker's StemEncoder do)
    keeps their balance.
    """
    return 0.999 / peak if peak > 1.0 else 1.0


class AudioWriter:
    """Encode (channels, n) float32 audio into one WAV, FLAC or MP3 file, block by block.

    Memory stays at one block whatever the length: libsndfile and LAME both encode as the
    blocks come. `gain` scales every sample (to fit loud stems under full scale) and with
    `out_rate` the audio is resampled on the way by a streaming soxr resampler. MP3 cannot
    store every rate: other rates are resampled to 44.1 kHz. `peak` is the largest
    magnitude written before clipping, so a first pass can tell the gain for a second.
    """

    def __init__(
        self,
        target: str | Path | BinaryIO,
        sample_rate: int,
        fmt: str = "wav",
        *,
        channels: int = 2,
        wav_depth: str = "16",
        mp3_bitrate: int = 320,
        gain: float = 1.0,
        out_rate: int | None = None,
    ) -> None:
        rate = out_rate or sample_rate
        if fmt == "mp3" and rate not in MP3_RATES:
            rate = SAMPLE_RATE
        self.sample_rate = rate
        self.channels = channels
        self.gain = gain
        self.peak = 0.0
        self.frames = 0
        self._resampler = (
            None
            if rate == sample_rate
            else soxr.ResampleStream(sample_rate, rate, channels, dtype="float32", quality="HQ")
        )
        self._clip = True
        self._sound: sf.SoundFile | None = None
        self._mp3: Any = None
        self._out: BinaryIO | None = None
        self._owned = False
        if fmt == "mp3":
            self._open_mp3(target, mp3_bitrate)
        else:
            subtype = _lossless_subtype(fmt, wav_depth)
            self._clip = subtype != "FLOAT"
            self._sound = sf.SoundFile(
                target, "w", rate, channels, subtype=subtype, format=fmt.upper()
            )

    def _open_mp3(self, target: str | Path | BinaryIO, bitrate: int) -> None:
        import lameenc

        if isinstance(target, str | Path):
            self._out, self._owned = open(target, "wb"), True  # noqa: SIM115
        else:
            self._out = target
        self._mp3 = lameenc.Encoder()
        self._mp3.set_bit_rate(bitrate)
        self._mp3.set_in_sample_rate(self.sample_rate)
        self._mp3.set_channels(self.channels)
        self._mp3.set_quality(MP3_QUALITY)

    def write(self, samples: np.ndarray) -> None:
        """Encode (channels, n) float32 samples, a block at a time."""
        for start in range(0, samples.shape[1], BLOCK_FRAMES):
            block = np.ascontiguousarray(samples[:, start : start + BLOCK_FRAMES].T)
            if self._resampler is not None:
                block = self._resampler.resample_chunk(block, last=False)
            self._encode(block)

    def close(self) -> None:
        """Flush the resampler and the encoder and finish the file."""
        if self._resampler is not None:
            empty = np.zeros((0, self.channels), dtype=np.float32)
            self._encode(self._resampler.resample_chunk(empty, last=True))
            self._resampler = None
        if self._sound is not None:
            self._sound.close()
        if self._mp3 is not None and self._out is not None:
            self._out.write(bytes(self._mp3.flush()))
            self._mp3 = None
            if self._owned:
                self._out.close()

    def __enter__(self) -> AudioWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _encode(self, frames: np.ndarray) -> None:
        """Write (n, channels) float32 frames: gain, peak, clip, encode."""
        if frames.shape[0] == 0:
            return
        if self.gain != 1.0:
            frames = frames * np.float32(self.gain)
        self.peak = max(self.peak, float(np.abs(frames).max()))
        self.frames += frames.shape[0]
        if self._mp3 is not None and self._out is not None:
            pcm = np.clip(frames, -1.0, 1.0 - 1 / 32768) * 32768
            self._out.write(bytes(self._mp3.encode(pcm.astype(np.int16).tobytes())))
            return
        if self._clip:
            frames = np.clip(frames, -1.0, 1.0)
        assert self._sound is not None
        self._sound.write(frames)


def _lossless_subtype(fmt: str, wav_depth: str) -> str:
    if fmt == "wav":
        if wav_depth not in WAV_DEPTHS:
            raise InvalidOptions(f"WAV depth must be one of {', '.join(WAV_DEPTHS)}.")
        return WAV_DEPTHS[wav_depth]
    if fmt == "flac":
        return "PCM_24" if wav_depth in ("24", "float") else "PCM_16"
    raise InvalidOptions(f"Unknown output format {fmt!r}; use {', '.join(OUTPUT_FORMATS)}.")


def read_blocks(source: AudioSource) -> Iterator[np.ndarray]:
    """Yield a stored file's audio as (channels, n) float32 blocks, never the whole of it."""
    with _open(source) as f:
        while True:
            block = _read_block(f)
            if block.shape[0]:
                yield block.T
            if block.shape[0] < BLOCK_FRAMES:
                return


def encode_audio(
    samples: np.ndarray,
    sample_rate: int,
    fmt: str = "wav",
    *,
    wav_depth: str = "16",
    mp3_bitrate: int = 320,
) -> bytes:
    """Encode (channels, n) float32 audio as WAV, FLAC or MP3 and return the bytes."""
    buffer = io.BytesIO()
    write_audio(buffer, samples, sample_rate, fmt, wav_depth=wav_depth, mp3_bitrate=mp3_bitrate)
    return buffer.getvalue()


def write_audio(
    target: str | Path | BinaryIO,
    samples: np.ndarray,
    sample_rate: int,
    fmt: str = "wav",
    *,
    wav_depth: str = "16",
    mp3_bitrate: int = 320,
) -> None:
    """Write (channels, n) float32 audio to a path or binary file in `fmt`."""
    with AudioWriter(
        target,
        sample_rate,
        fmt,
        channels=samples.shape[0],
        wav_depth=wav_depth,
        mp3_bitrate=mp3_bitrate,
    ) as writer:
        writer.write(samples)
