"""Tell what a file is from its first bytes, and what length its header declares.

Cheap checks on at most a few kilobytes, made before or beside libsndfile: they let a
refusal name what was uploaded (an image, a zip, a cut-off WAV) instead of repeating the
decoder's words, and let `probe` notice a file cut short before any sample is decoded.
"""

from __future__ import annotations

import struct

# How much of a file the checks look at.
HEAD_BYTES = 4096

# Signatures of files people upload by mistake: (magic bytes, offset, what it is).
NOT_AUDIO_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", 0, "a PNG image"),
    (b"\xff\xd8\xff", 0, "a JPEG image"),
    (b"GIF87a", 0, "a GIF image"),
    (b"GIF89a", 0, "a GIF image"),
    (b"PK\x03\x04", 0, "a ZIP archive"),
    (b"PK\x05\x06", 0, "a ZIP archive"),
    (b"%PDF", 0, "a PDF document"),
    (b"\x1f\x8b", 0, "a gzip archive"),
    (b"Rar!", 0, "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7-Zip archive"),
    (b"ftyp", 4, "an MP4 or M4A file"),
    (b"\x1a\x45\xdf\xa3", 0, "a WebM or Matroska file"),
    (b"WEBP", 8, "a WebP image"),
    (b"AVI ", 8, "an AVI video"),
)


def container(head: bytes) -> str | None:
    """Return the audio container the first bytes announce (WAV, FLAC, ...), or None."""
    if head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] in (b"WAVE", head[8:12][:0]):
        # A RIFF file cut before its form type is most likely a WAV cut short.
        return "WAV"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    if head[:4] == b"fLaC":
        return "FLAC"
    if head[:4] == b"OggS":
        return "OGG"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "MP3"
    return None


def not_audio(head: bytes) -> str | None:
    """Return what a non-audio file is ("a PNG image", "a text file"), or None."""
    for magic, offset, name in NOT_AUDIO_SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return name
    if container(head) is None and _looks_like_text(head):
        return "a text file"
    return None


def _looks_like_text(head: bytes) -> bool:
    sample = head[:1024]
    if not sample or b"\x00" in sample:
        return False
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(sample) - 3:
            return False
        text = sample[: exc.start].decode("utf-8")
    return all(ch.isprintable() or ch in "\r\n\t\f" for ch in text)


def declared_frames(head: bytes) -> int | None:
    """Return the frame count a WAV or AIFF header declares, or None when it does not say.

    libsndfile quietly shortens a truncated WAV or AIFF to the data present; comparing its
    count with this one tells a file cut short.
    """
    kind = container(head)
    if kind == "WAV" and head[:4] == b"RIFF":
        return _wav_frames(head)
    if kind == "AIFF":
        return _aiff_frames(head)
    return None


def _wav_frames(head: bytes) -> int | None:
    pos, block_align = 12, None
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if chunk == b"fmt " and pos + 22 <= len(head):
            block_align = struct.unpack("<H", head[pos + 20 : pos + 22])[0]
        if chunk == b"data":
            # 0 and 0xFFFFFFFF mark a stream whose length was unknown when written.
            if not block_align or size in (0, 0xFFFFFFFF):
                return None
            return int(size // block_align)
        pos += 8 + size + (size & 1)
    return None


def _aiff_frames(head: bytes) -> int | None:
    pos = 12
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], struct.unpack(">I", head[pos + 4 : pos + 8])[0]
        if chunk == b"COMM" and pos + 14 <= len(head):
            frames: int = struct.unpack(">I", head[pos + 10 : pos + 14])[0]
            return frames or None
        pos += 8 + size + (size & 1)
    return None
