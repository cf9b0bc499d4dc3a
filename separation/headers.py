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


# Sony Wave64 names its chunks by GUID; the "riff" GUID opens the file, and the GUIDs of
# the "fmt " and "data" chunks start with those four letters.
W64_RIFF = bytes.fromhex("726966662e91cf11a5d628db04c10000")


def container(head: bytes) -> str | None:
    """Return the audio container the first bytes announce (WAV, FLAC, ...), or None.

    RF64 and Wave64 are WAV for the person uploading: they are named so.
    """
    if head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] in (b"WAVE", head[8:12][:0]):
        # A RIFF file cut before its form type is most likely a WAV cut short.
        return "WAV"
    if len(head) >= 4 and W64_RIFF.startswith(head[:16]):
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
    if kind == "WAV" and head[:4] in (b"RIFF", b"RF64"):
        return _wav_frames(head)
    if kind == "WAV" and head[:16] == W64_RIFF:
        return _w64_frames(head)
    if kind == "AIFF":
        return _aiff_frames(head)
    return None


def _wav_frames(head: bytes) -> int | None:
    """Frames of a RIFF or RF64 WAV (RF64 keeps its 64-bit data size in a ds64 chunk)."""
    pos, block_align, ds64_size = 12, None, None
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], struct.unpack("<I", head[pos + 4 : pos + 8])[0]
        if chunk == b"ds64" and pos + 24 <= len(head):
            ds64_size = struct.unpack("<Q", head[pos + 16 : pos + 24])[0]
        if chunk == b"fmt " and pos + 22 <= len(head):
            block_align = struct.unpack("<H", head[pos + 20 : pos + 22])[0]
        if chunk == b"data":
            if size == 0xFFFFFFFF and ds64_size is not None:
                size = ds64_size
            # 0 and 0xFFFFFFFF mark a stream whose length was unknown when written.
            elif size in (0, 0xFFFFFFFF):
                return None
            return int(size // block_align) if block_align else None
        pos += 8 + size + (size & 1)
    return None


def _w64_frames(head: bytes) -> int | None:
    """Frames of a Wave64 file: 16-byte GUID names, 64-bit sizes that count the header."""
    pos, block_align = 40, None
    while pos + 24 <= len(head):
        chunk, size = head[pos : pos + 4], struct.unpack("<Q", head[pos + 16 : pos + 24])[0]
        if size < 24:
            return None
        if chunk == b"fmt " and pos + 38 <= len(head):
            block_align = struct.unpack("<H", head[pos + 36 : pos + 38])[0]
        if chunk == b"data":
            return int((size - 24) // block_align) if block_align else None
        pos += (size + 7) & ~7
    return None


def mp3_audio_offset(head: bytes) -> int:
    """Return where an MP3's first frame starts: after its ID3v2 tag, if it has one."""
    if head[:3] != b"ID3" or len(head) < 10:
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def mp3_length_exact(first_frame: bytes) -> bool:
    """Whether an MP3's first frame is a Xing, Info or VBRI header, which counts the frames.

    Without one, libsndfile estimates the length from the file's size and bit rate, an
    estimate a large tag (cover art) or a variable bit rate throws far off.
    """
    window = first_frame[:200]
    return any(tag in window for tag in (b"Xing", b"Info", b"VBRI"))


def _aiff_frames(head: bytes) -> int | None:
    pos = 12
    while pos + 8 <= len(head):
        chunk, size = head[pos : pos + 4], struct.unpack(">I", head[pos + 4 : pos + 8])[0]
        if chunk == b"COMM" and pos + 14 <= len(head):
            frames: int = struct.unpack(">I", head[pos + 10 : pos + 14])[0]
            return frames or None
        pos += 8 + size + (size & 1)
    return None
