"""Valid uploads at the edges of what people send, each of which must be accepted.

Every container at its limits: 8-bit to 64-bit float samples, 1 to 8 channels, 8 kHz to
192 kHz, a single frame to exactly the duration limit, a streaming encoder's FLAC and
WAV without a length, MP3s without any header (no ID3, no Xing), extra chunks, tags,
odd names and extensions that do not match the content. Short, so a worker runs them all.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from functools import cache

import numpy as np

from tests.corpus import LIMIT_S, Case
from tests.separation.audio_factories import (
    encode,
    lame_mp3_bytes,
    streaming_flac,
    tone,
)

SECONDS = 0.5


def _tone(rate: int = 8000, channels: int = 2, seconds: float = SECONDS) -> np.ndarray:
    return tone(440.0, seconds, rate=rate, channels=channels, amplitude=0.4)


def _sample_formats() -> Iterator[Case]:
    for subtype in ("PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "ULAW", "ALAW"):
        yield Case(f"wav-{subtype.lower()}", "song.wav", encode(_tone(), 8000, "WAV", subtype))
    for subtype in ("IMA_ADPCM", "MS_ADPCM", "GSM610"):
        data = encode(_tone(channels=1), 8000, "WAV", subtype)
        yield Case(f"wav-{subtype.lower()}", "song.wav", data)
    for subtype in ("PCM_S8", "PCM_16", "PCM_24", "PCM_32", "FLOAT"):
        yield Case(f"aiff-{subtype.lower()}", "song.aiff", encode(_tone(), 8000, "AIFF", subtype))
    for subtype in ("PCM_S8", "PCM_16", "PCM_24"):
        yield Case(f"flac-{subtype.lower()}", "song.flac", encode(_tone(), 8000, "FLAC", subtype))


def _channels() -> Iterator[Case]:
    for channels in (1, 3, 6, 8):
        signal = _tone(channels=channels)
        yield Case(f"wav-{channels}-channels", "song.wav", encode(signal, 8000, "WAV", "PCM_16"))
        yield Case(f"flac-{channels}-channels", "song.flac", encode(signal, 8000, "FLAC", "PCM_16"))
    for channels in (1, 6):
        signal = _tone(channels=channels)
        yield Case(f"ogg-{channels}-channels", "song.ogg", encode(signal, 8000, "OGG", "VORBIS"))
    yield Case("wavex-6-channels", "song.wav", encode(_tone(channels=6), 8000, "WAVEX", "PCM_16"))


def _rates() -> Iterator[Case]:
    for rate in (8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000):
        signal = _tone(rate=rate, channels=1, seconds=0.25)
        yield Case(f"wav-{rate}-hz", "song.wav", encode(signal, rate, "WAV", "PCM_16"))
    for rate in (8000, 192000):
        signal = _tone(rate=rate, seconds=0.25)
        yield Case(f"flac-{rate}-hz", "song.flac", encode(signal, rate, "FLAC", "PCM_24"))
    for rate in (8000, 48000):
        yield Case(f"ogg-{rate}-hz", "song.ogg", encode(_tone(rate=rate), rate, "OGG", "VORBIS"))
        mp3 = encode(_tone(rate=rate), rate, "MP3", "MPEG_LAYER_III")
        yield Case(f"mp3-{rate}-hz", "song.mp3", mp3)


def _lengths() -> Iterator[Case]:
    for frames in (1, 80, 800):
        signal = _tone(seconds=frames / 8000)
        yield Case(f"wav-{frames}-frames", "song.wav", encode(signal, 8000, "WAV", "PCM_16"))
    yield Case("flac-1-frame", "song.flac", encode(_tone(seconds=1 / 8000), 8000, "FLAC", "PCM_16"))
    at_limit = _tone(channels=1, seconds=LIMIT_S)
    yield Case("wav-exactly-the-limit", "song.wav", encode(at_limit, 8000, "WAV", "PCM_16"))
    yield Case("flac-exactly-the-limit", "song.flac", encode(at_limit, 8000, "FLAC", "PCM_16"))
    yield Case("streaming-flac-exactly-the-limit", "song.flac", streaming_flac(at_limit, 8000))


def _streams_and_headers() -> Iterator[Case]:
    """Files written by streaming encoders or other tools than libsndfile."""
    pcm = np.round(_tone() * 32767).astype("<i2")
    yield Case("streaming-flac", "song.flac", streaming_flac(_tone(), 8000))
    yield Case("streaming-flac-mono", "song.flac", streaming_flac(_tone(channels=1), 8000))
    yield Case("wav-data-size-unknown", "song.wav", _wav(pcm.tobytes(), data_size=0xFFFFFFFF))
    yield Case("wav-with-list-and-junk-chunks", "song.wav", _wav(pcm.tobytes(), extra=True))
    yield Case("wav-odd-sized-chunk-padded", "song.wav", _wav(pcm.tobytes(), odd=True))
    for rate, channels in ((8000, 1), (44100, 2), (48000, 2)):
        mp3 = lame_mp3_bytes(SECONDS, rate=rate, channels=channels)
        yield Case(f"mp3-no-id3-no-xing-{rate}-hz-{channels}-ch", "song.mp3", mp3)
    mp3 = lame_mp3_bytes(SECONDS, rate=44100)
    yield Case("mp3-big-id3v2-tag", "song.mp3", _id3v2(100_000) + mp3)
    yield Case("mp3-id3v1-tag-at-end", "song.mp3", mp3 + b"TAG" + b"Title".ljust(125, b"\x00"))
    yield Case("rf64", "song.wav", encode(_tone(), 8000, "RF64", "PCM_16"))
    yield Case("w64", "song.wav", encode(_tone(), 8000, "W64", "PCM_16"))


def _wav(
    pcm: bytes, *, data_size: int | None = None, extra: bool = False, odd: bool = False
) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 2, 8000, 8000 * 4, 4, 16)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if extra:
        chunks += (
            b"LIST" + struct.pack("<I", 16) + b"INFOISFT" + struct.pack("<I", 4) + b"sw\x00\x00"
        )
        chunks += b"junk" + struct.pack("<I", 28) + bytes(28)
    if odd:
        chunks += b"note" + struct.pack("<I", 5) + b"hello" + b"\x00"
    size = len(pcm) if data_size is None else data_size
    chunks += b"data" + struct.pack("<I", size) + pcm
    riff_size = 0xFFFFFFFF if data_size == 0xFFFFFFFF else len(chunks) + 4
    return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + chunks


def _id3v2(size: int) -> bytes:
    """An ID3v2.3 tag of `size` bytes of padding (as a tag with cover art would be)."""
    syncsafe = bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x03\x00\x00" + syncsafe + bytes(size)


def _content() -> Iterator[Case]:
    """Sounds at the edges: silence, full scale, DC, float above full scale."""
    frames = int(SECONDS * 8000)
    square = np.sign(np.sin(np.arange(frames) / 8000 * 2 * np.pi * 100))[:, None].repeat(2, 1)
    loud = _tone() * 5.0  # float can hold it; the engine must not choke
    yield Case("wav-silence", "song.wav", encode(np.zeros((frames, 2)), 8000, "WAV", "PCM_16"))
    yield Case("wav-full-scale-square", "song.wav", encode(square, 8000, "WAV", "PCM_16"))
    yield Case(
        "wav-dc-offset", "song.wav", encode(np.full((frames, 2), 0.5), 8000, "WAV", "PCM_16")
    )
    yield Case("float-wav-above-full-scale", "song.wav", encode(loud, 8000, "WAV", "FLOAT"))
    left_only = _tone()
    left_only[:, 1] = 0
    yield Case("wav-left-channel-only", "song.wav", encode(left_only, 8000, "WAV", "PCM_16"))


def _names() -> Iterator[Case]:
    """Names that do not say what the file is."""
    wav = encode(_tone(), 8000, "WAV", "PCM_16")
    flac = encode(_tone(), 8000, "FLAC", "PCM_16")
    yield Case("wav-named-mp3", "song.mp3", wav)
    yield Case("flac-named-wav", "song.wav", flac)
    yield Case("wav-without-extension", "song", wav)
    yield Case("wav-upper-case-extension", "SONG.WAV", wav)
    yield Case("wav-unicode-name", "Déjà vu \u2013 音楽 (final mix).wav", wav)
    yield Case("wav-long-name", "a" * 300 + ".wav", wav)


@cache
def cases() -> tuple[Case, ...]:
    """Return every valid-but-unusual upload, each id unique."""
    families = (
        _sample_formats,
        _channels,
        _rates,
        _lengths,
        _streams_and_headers,
        _content,
        _names,
    )
    found = tuple(case for family in families for case in family())
    ids = [case.id for case in found]
    assert len(ids) == len(set(ids)), "corpus ids must be unique"
    return found
