"""Malformed uploads, each of which must be refused at upload with a plain reason.

Families: files cut at many byte offsets and fractions; WAV, AIFF and FLAC headers that
lie (absurd rates, channel counts, bit depths and encodings, lengths far beyond the data,
chunk sizes that wrap); NaN and infinity; things that are not audio at all, named .wav;
zip, gzip and FLAC bombs that would decode to hours; MP3s whose frame headers are gone.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
from collections.abc import Iterator
from functools import cache

import numpy as np

from tests.corpus import LIMIT_S, Case
from tests.separation.audio_factories import (
    encode,
    lame_mp3_bytes,
    riff_wav,
    streaming_flac,
    tone,
    without_length,
)

RATE = 8000
BYTE_OFFSETS = (1, 2, 3, 4, 5, 8, 11, 12, 16, 20, 24, 30, 36, 40, 43, 60, 100, 200)
FRACTIONS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85)


def _signal(seconds: float = 2.0, channels: int = 2) -> np.ndarray:
    return tone(440.0, seconds, rate=RATE, channels=channels)


@cache
def _valid() -> dict[str, bytes]:
    """Complete two-second files in each container, the material the cuts are made from."""
    signal = _signal()
    return {
        "wav": encode(signal, RATE, "WAV", "PCM_16"),
        "float-wav": encode(signal, RATE, "WAV", "FLOAT"),
        "aiff": encode(signal, RATE, "AIFF", "PCM_16"),
        "flac": encode(signal, RATE, "FLAC", "PCM_16"),
        "ogg": encode(signal, RATE, "OGG", "VORBIS"),
        "mp3": encode(signal, RATE, "MP3", "MPEG_LAYER_III"),
        "w64": encode(signal, RATE, "W64", "PCM_16"),
        "rf64": encode(signal, RATE, "RF64", "PCM_16"),
    }


def _cut_files() -> Iterator[Case]:
    """Every container cut at small byte offsets (inside its header) and part-way through."""
    for kind, data in _valid().items():
        ext = "wav" if kind in ("float-wav", "w64", "rf64") else kind
        for offset in BYTE_OFFSETS:
            yield Case(f"{kind}-cut-at-byte-{offset}", f"song.{ext}", data[:offset])
        # Compressed formats only estimate their length: cuts near the end may pass.
        fractions = {"ogg": FRACTIONS[:3], "mp3": FRACTIONS[:-2]}.get(kind, FRACTIONS)
        for fraction in fractions:
            cut = data[: int(len(data) * fraction)]
            yield Case(f"{kind}-cut-at-{fraction}", f"song.{ext}", cut)


def _wav_fields() -> Iterator[Case]:
    """WAV fmt and data chunks that lie or make no sense."""
    pcm = bytes(RATE * 4 // 2)  # half a second of stereo 16-bit silence
    for channels in (0, 65, 255, 0xFFFF):
        yield Case(f"wav-{channels}-channels", "song.wav", riff_wav(pcm, channels=channels))
    for rate in (0, 1, 100, 7999, 192001, 1_000_000, 0xFFFFFFFF):
        yield Case(f"wav-{rate}-hz", "song.wav", riff_wav(pcm, rate=rate))
    for bits in (0, 7, 12, 40, 0xFFFF):  # 1 bit reads as 8-bit PCM
        yield Case(f"wav-{bits}-bits", "song.wav", riff_wav(pcm, bits=bits))
    for tag in (0, 2, 0x11, 0x55, 0x161, 0x1234, 0xFFFE, 0xFFFF):
        yield Case(f"wav-format-tag-{tag:#x}", "song.wav", riff_wav(pcm, format_tag=tag))
    for claimed in (len(pcm) * 2, len(pcm) * 100, 0x7FFFFFFF, 0xFFFFFFF0):
        yield Case(f"wav-data-claims-{claimed}-bytes", "song.wav", riff_wav(pcm, data_size=claimed))
    yield Case("wav-no-data-chunk", "song.wav", _wav_without_data())
    yield Case(
        "wav-no-fmt-chunk", "song.wav", b"RIFF\x24\x00\x00\x00WAVEdata" + b"\x10\0\0\0" + pcm[:16]
    )
    yield Case("wav-fmt-chunk-too-short", "song.wav", _wav_short_fmt(pcm))
    yield Case("wav-fmt-size-wraps", "song.wav", _wav_chunk_size(pcm, b"fmt ", 0xFFFFFFFF))
    yield Case("wav-junk-size-wraps", "song.wav", _wav_with_junk(pcm, 0xFFFFFFFE))
    yield Case("wav-junk-size-past-end", "song.wav", _wav_with_junk(pcm, 0x7FFFFFF0))
    yield Case("wav-header-only", "song.wav", riff_wav(b"", data_size=len(pcm)))
    yield Case("wav-riff-but-not-wave", "song.wav", b"RIFF\x20\x00\x00\x00AVI " + bytes(40))
    yield Case("rifx-big-endian-garbage", "song.wav", b"RIFX" + bytes(4) + b"WAVE" + bytes(40))


def _wav_without_data() -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 2, RATE, RATE * 4, 4, 16)
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"LIST\x04\x00\x00\x00INFO"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _wav_short_fmt(pcm: bytes) -> bytes:
    fmt = struct.pack("<HH", 1, 2)
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data"
    body += struct.pack("<I", len(pcm)) + pcm
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _wav_chunk_size(pcm: bytes, chunk: bytes, size: int) -> bytes:
    data = bytearray(riff_wav(pcm))
    at = data.index(chunk)
    data[at + 4 : at + 8] = struct.pack("<I", size)
    return bytes(data)


def _wav_with_junk(pcm: bytes, junk_size: int) -> bytes:
    wav = riff_wav(pcm)
    junk = b"junk" + struct.pack("<I", junk_size) + bytes(16)
    return wav[:12] + junk + wav[12:]


def _aiff_fields() -> Iterator[Case]:
    """AIFF COMM chunks that lie: channels, frames, bits and the 80-bit rate."""
    base = _valid()["aiff"]
    comm = base.index(b"COMM") + 8
    for name, offset, value in (
        ("0-channels", 0, struct.pack(">h", 0)),
        ("negative-channels", 0, struct.pack(">h", -2)),
        ("1000-channels", 0, struct.pack(">h", 1000)),
        ("claims-10x-frames", 2, struct.pack(">I", 10 * RATE * 2)),
        ("claims-4g-frames", 2, struct.pack(">I", 0xFFFFFFFF)),
        ("0-bits", 6, struct.pack(">h", 0)),
        ("99-bits", 6, struct.pack(">h", 99)),
        ("0-hz", 8, bytes(10)),
        ("infinite-hz", 8, b"\x7f\xff" + bytes(8)),
        ("tiny-hz", 8, b"\x00\x01\x80" + bytes(7)),
    ):
        data = bytearray(base)
        data[comm + offset : comm + offset + len(value)] = value
        yield Case(f"aiff-{name}", "song.aiff", bytes(data))
    yield Case("aiff-form-without-comm", "song.aiff", b"FORM\x00\x00\x00\x04AIFF")


def _flac_fields() -> Iterator[Case]:
    """FLAC STREAMINFO fields that lie: length, rate, channels, bit depth, block sizes."""
    base = _valid()["flac"]
    packed = int.from_bytes(base[18:26], "big")
    mask_total, total = (1 << 36) - 1, packed & ((1 << 36) - 1)
    for name, value in (
        ("claims-10x-length", (packed & ~mask_total) | total * 10),
        ("claims-24-hours", (packed & ~mask_total) | RATE * 86400),
        ("claims-max-length", packed | mask_total),
        ("0-hz", packed & ~(((1 << 20) - 1) << 44)),
        ("1-hz", (packed & ~(((1 << 20) - 1) << 44)) | (1 << 44)),
        ("1048575-hz", packed | (((1 << 20) - 1) << 44)),
        ("4-bits", (packed & ~(0x1F << 36)) | (3 << 36)),
        ("32-bits", packed | (0x1F << 36)),
        ("8-channels-claimed", packed | (0x7 << 41)),
    ):
        data = bytearray(base)
        data[18:26] = value.to_bytes(8, "big")
        yield Case(f"flac-{name}", "song.flac", bytes(data))
    for name, sizes in (("0-block-size", (0, 0)), ("block-size-1", (1, 1))):
        data = bytearray(base)
        data[8:12] = struct.pack(">HH", *sizes)
        yield Case(f"flac-{name}", "song.flac", bytes(data))
    yield Case("flac-magic-then-zeros", "song.flac", b"fLaC" + bytes(200))
    yield Case("flac-no-streaminfo", "song.flac", b"fLaC" + base[42:])
    yield Case("flac-frames-zeroed", "song.flac", base[:42] + bytes(len(base) - 42))


def _float_values() -> Iterator[Case]:
    """Float files with NaN or infinity where the upload check looks (the first block)."""
    for bad, label in ((np.nan, "nan"), (np.inf, "inf"), (-np.inf, "minus-inf")):
        for where in (0, 1, 4000, 15000):
            signal = _signal(channels=1)
            signal[where, 0] = bad
            for subtype in ("FLOAT", "DOUBLE"):
                data = encode(signal, RATE, "WAV", subtype)
                yield Case(f"{subtype.lower()}-wav-{label}-at-{where}", "song.wav", data)
    all_nan = np.full((RATE, 2), np.nan)
    yield Case("float-wav-all-nan", "song.wav", encode(all_nan, RATE, "WAV", "FLOAT"))
    yield Case(
        "float-aiff-inf", "song.aiff", encode(np.full((RATE, 1), np.inf), RATE, "AIFF", "FLOAT")
    )


def _not_audio() -> Iterator[Case]:
    """Files that are something else, under audio names."""
    rng = np.random.default_rng(20261129)
    lyrics = "These are the lyrics, not the song.\n" * 60
    others = {
        "text": lyrics.encode(),
        "text-utf16": lyrics.encode("utf-16"),
        "text-accents": ("Déjà vu, ça va très bien — 音楽\n" * 40).encode(),
        "html": b"<!doctype html><html><body>404 Not Found</body></html>\n" * 10,
        "json": b'{"error": "not found", "status": 404}\n' * 20,
        "csv": b"time,level\n" + b"0.1,0.5\n" * 200,
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.bytes(500),
        "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.bytes(500),
        "gif": b"GIF89a" + rng.bytes(500),
        "webp": b"RIFF\x00\x10\x00\x00WEBPVP8 " + rng.bytes(500),
        "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + rng.bytes(500),
        "mp4": b"\x00\x00\x00\x20ftypisom" + rng.bytes(500),
        "m4a": b"\x00\x00\x00\x20ftypM4A " + rng.bytes(500),
        "webm": b"\x1a\x45\xdf\xa3" + rng.bytes(500),
        "avi": b"RIFF\x00\x10\x00\x00AVI LIST" + rng.bytes(500),
        "rar": b"Rar!\x1a\x07\x00" + rng.bytes(500),
        "7z": b"7z\xbc\xaf\x27\x1c" + rng.bytes(500),
        "elf": b"\x7fELF\x02\x01\x01" + rng.bytes(500),
        "exe": b"MZ\x90\x00" + rng.bytes(500),
        "zeros": bytes(4096),
        "ones": b"\xff" * 4096,
        "random-small": rng.bytes(64),
        "random-large": rng.bytes(50_000),
        "one-byte": b"R",
        "empty": b"",
        "id3-tag-only": b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(16),
        "ogg-magic-then-zeros": b"OggS" + bytes(200),
        "midi": b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0" + rng.bytes(200),
    }
    for name, data in others.items():
        for ext in ("wav", "mp3"):
            yield Case(f"{name}-named-{ext}", f"song.{ext}", data)
    au = encode(_signal(0.5), RATE, "AU", "PCM_16")
    yield Case("au-file", "song.wav", au)
    yield Case("voc-file", "song.wav", encode(_signal(0.5, 1), RATE, "VOC", "PCM_16"))


def _bombs() -> Iterator[Case]:
    """Small files that would decode to hours, and archives of such files."""
    hours = encode(np.zeros(2 * 3600 * RATE, dtype=np.int16), RATE, "FLAC", "PCM_16")
    yield Case("flac-2-hours-of-silence", "song.flac", hours)
    yield Case("streaming-flac-2-hours-of-silence", "song.flac", without_length(hours))
    past = np.zeros(int((LIMIT_S * 1.01 + 3) * RATE), dtype=np.int16)
    yield Case("streaming-flac-just-past-limit", "song.flac", streaming_flac(past[:, None], RATE))
    yield Case("wav-past-limit", "song.wav", encode(past, RATE, "WAV", "PCM_16"))
    pcm_hour = riff_wav(
        bytes(RATE * 2 * 3600 // 8), channels=1, rate=RATE, data_size=RATE * 2 * 3600
    )
    yield Case("wav-claims-an-hour", "song.wav", pcm_hour)
    zeros = b"\x00" * (64 << 20)
    yield Case("gzip-bomb", "song.wav", gzip.compress(zeros, compresslevel=9, mtime=0))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("song.wav", date_time=(2026, 1, 1, 0, 0, 0))
        z.writestr(info, riff_wav(zeros[: 32 << 20]))
    yield Case("zip-bomb", "song.wav", archive.getvalue())


def _mp3_damage() -> Iterator[Case]:
    """MP3s whose frame headers (sync words) are gone, or cut to a few frames."""
    mp3 = lame_mp3_bytes(1.0, rate=RATE * 2)
    syncless = bytearray(mp3)
    for at in range(len(syncless) - 1):
        if syncless[at] == 0xFF and syncless[at + 1] & 0xE0 == 0xE0:
            syncless[at] = 0x00
    yield Case("mp3-frame-headers-erased", "song.mp3", bytes(syncless))
    yield Case("mp3-without-first-4-bytes-then-zeros", "song.mp3", mp3[4:40] + bytes(400))
    yield Case("mp3-sync-word-then-zeros", "song.mp3", b"\xff\xfb\x90\x00" + bytes(1000))
    yield Case(
        "id3-then-garbage",
        "song.mp3",
        b"ID3\x04\x00\x00\x00\x00\x02\x00" + bytes(300) + b"x" * 2000,
    )
    for offset in (100, 300, 500):
        yield Case(f"lame-mp3-cut-at-byte-{offset}", "song.mp3", mp3[:offset])


@cache
def cases() -> tuple[Case, ...]:
    """Return every malformed upload, each id unique."""
    families = (
        _cut_files,
        _wav_fields,
        _aiff_fields,
        _flac_fields,
        _float_values,
        _not_audio,
        _bombs,
        _mp3_damage,
    )
    found = tuple(case for family in families for case in family())
    ids = [case.id for case in found]
    assert len(ids) == len(set(ids)), "corpus ids must be unique"
    return found
