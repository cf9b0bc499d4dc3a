"""Test signals and audio files for the tests of `separation.audio`.

Everything is generated in memory: tones as (frames, channels) arrays, files encoded
through libsndfile or lameenc, and hand-crafted RIFF/WAVE and FLAC headers that lie.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import lameenc
import numpy as np
import soundfile as sf

RATE = 44100


def tone(
    freq: float = 1000.0,
    seconds: float = 1.0,
    *,
    rate: int = RATE,
    channels: int = 2,
    amplitude: float = 0.5,
) -> np.ndarray:
    """Return (frames, channels) float64 of a sine, the same on every channel."""
    t = np.arange(round(seconds * rate)) / rate
    wave = amplitude * np.sin(2 * np.pi * freq * t)
    return np.repeat(wave[:, None], channels, axis=1)


def constant_channels(levels: list[float], frames: int = 1000) -> np.ndarray:
    """Return (frames, len(levels)) float64 where channel i holds `levels[i]` throughout."""
    return np.tile(np.asarray(levels, dtype=np.float64), (frames, 1))


def encode(frames: np.ndarray, rate: int, fmt: str = "WAV", subtype: str | None = None) -> bytes:
    """Encode (frames, channels) samples with libsndfile and return the file's bytes."""
    buffer = io.BytesIO()
    sf.write(buffer, frames, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


def wav_bytes(
    seconds: float = 1.0,
    *,
    rate: int = RATE,
    channels: int = 2,
    subtype: str = "PCM_16",
    freq: float = 1000.0,
) -> bytes:
    return encode(tone(freq, seconds, rate=rate, channels=channels), rate, "WAV", subtype)


def flac_bytes(seconds: float = 1.0, *, rate: int = RATE, channels: int = 2) -> bytes:
    return encode(tone(seconds=seconds, rate=rate, channels=channels), rate, "FLAC", "PCM_16")


def ogg_bytes(seconds: float = 1.0, *, rate: int = RATE, channels: int = 2) -> bytes:
    return encode(tone(seconds=seconds, rate=rate, channels=channels), rate, "OGG", "VORBIS")


def mp3_bytes(seconds: float = 1.0, *, rate: int = RATE, channels: int = 2) -> bytes:
    """An MP3 written by libsndfile, whose Xing header records the exact length."""
    frames = tone(seconds=seconds, rate=rate, channels=channels)
    return encode(frames, rate, "MP3", "MPEG_LAYER_III")


def lame_mp3_bytes(seconds: float = 1.0, *, rate: int = RATE, channels: int = 2) -> bytes:
    """An MP3 from lameenc, as another encoder than libsndfile would write it."""
    pcm = np.round(tone(seconds=seconds, rate=rate, channels=channels) * 32767)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(192)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(channels)
    encoder.set_quality(2)
    data = np.ascontiguousarray(pcm.astype("<i2")).tobytes()
    return bytes(encoder.encode(data) + encoder.flush())


def riff_wav(
    data: bytes = b"",
    *,
    format_tag: int = 1,
    channels: int = 2,
    rate: int = RATE,
    bits: int = 16,
    data_size: int | None = None,
) -> bytes:
    """Hand-craft a RIFF/WAVE file; `data_size` lets the data chunk claim any length."""
    block_align = channels * bits // 8 & 0xFFFF  # absurd fields wrap as a 16-bit writer's would
    byte_rate = rate * block_align & 0xFFFFFFFF
    fmt = struct.pack("<HHIIHH", format_tag, channels, rate, byte_rate, block_align, bits)
    size = len(data) if data_size is None else data_size
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", size)
        + data
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pcm16(frames: np.ndarray) -> bytes:
    """Interleaved little-endian 16-bit PCM of (frames, channels) float samples."""
    return np.round(np.clip(frames, -1, 1) * 32767).astype("<i2").tobytes()


def flac_claiming_frames(total: int, seconds: float = 1.0) -> bytes:
    """A valid FLAC of `seconds` whose STREAMINFO says it holds `total` frames."""
    data = bytearray(flac_bytes(seconds))
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO comes first
    # STREAMINFO starts at byte 8; its bytes 10..17 hold rate(20) channels(3) bits(5) total(36).
    packed = int.from_bytes(data[18:26], "big")
    mask = (1 << 36) - 1
    data[18:26] = ((packed & ~mask) | (total & mask)).to_bytes(8, "big")
    return bytes(data)


def peak_frequency(samples: np.ndarray, rate: int) -> float:
    """The frequency in Hz of the strongest bin of a windowed FFT of a 1-D signal."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum)) * rate / len(samples)


def steady_peak(samples: np.ndarray, rate: int) -> float:
    """Peak absolute value away from the first and last 50 ms (resampler edges)."""
    edge = rate // 20
    return float(np.abs(samples[..., edge:-edge]).max())


SOURCE_KINDS = ["path", "file object"]


def as_source(kind: str, data: bytes, folder: Path, suffix: str = ".wav") -> Path | io.BytesIO:
    """Turn file bytes into what read_audio/probe accept: a path or a BytesIO."""
    if kind == "file object":
        return io.BytesIO(data)
    path = folder / f"upload{suffix}"
    path.write_bytes(data)
    return path


def streaming_flac(frames: np.ndarray, rate: int = RATE) -> bytes:
    """A FLAC as a streaming encoder writes it to a pipe: STREAMINFO gives no length.

    `flac -` or ffmpeg writing to a non-seekable output cannot go back to fill in the
    total sample count, the frame sizes or the MD5, so all of them stay zero.
    """
    return without_length(encode(frames, rate, "FLAC", "PCM_16"))


def without_length(flac: bytes) -> bytes:
    """The same FLAC with its length, frame sizes and MD5 unknown, as `streaming_flac`."""
    data = bytearray(flac)
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO comes first
    data[12:18] = bytes(6)  # min and max frame size: unknown
    packed = int.from_bytes(data[18:26], "big")
    data[18:26] = (packed & ~((1 << 36) - 1)).to_bytes(8, "big")  # total samples: unknown
    data[26:42] = bytes(16)  # MD5: not computed
    return bytes(data)
