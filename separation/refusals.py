"""The sentences shown when an upload is refused: what is wrong, and what to do.

libsndfile's own words ("Error in WAV file. No 'data' chunk marker.", "Unspecified
internal error.") mean nothing to the person uploading; `open_refusal` turns them, with
the file's first bytes, into one of the plain sentences below. The library's text stays
in the exception's `__cause__` and in the log.
"""

from __future__ import annotations

import math

from separation import headers

FORMATS = "WAV, FLAC, OGG, MP3 or AIFF"
UPLOAD_AUDIO = f"upload a {FORMATS} file"

EMPTY = "The file is empty (0 bytes): choose the song again and upload it."
NO_SAMPLES = "The audio file has no samples in it: export the song again and upload it."
UNKNOWN = f"This is not an audio file we can read: {UPLOAD_AUDIO}."
WAV_NO_DATA = (
    "This WAV file has no audio data in it (its 'data' chunk is missing): "
    "export it again from your audio editor."
)
WAV_ENCODING = (
    "This WAV file uses an audio encoding we cannot read, or its format chunk is damaged: "
    "save it as PCM or float WAV, or as FLAC, OGG, MP3 or AIFF."
)
NO_CHANNELS = (
    "The file's header says it has no audio channels: export it again from your audio editor."
)
NO_RATE = "The file's header gives no sample rate: export it again from your audio editor."
INVALID_SAMPLES = (
    "The audio contains invalid samples (NaN or infinity): "
    "export it again from your audio editor, as 16- or 24-bit."
)
CUT_OFF = (
    "The file is cut short or damaged part-way through, so it cannot be decoded to the end: "
    "upload the complete file again."
)

DECODER_FAILED = (
    "This file could not be decoded safely (it is damaged or built in an unusual way): "
    "export it again as WAV or FLAC and upload that."
)
DECODER_TIMEOUT = (
    "Decoding this file took far longer than any song should (it is damaged or built in "
    "an unusual way): export it again as WAV or FLAC and upload that."
)


def not_audio(what: str) -> str:
    """Refuse a file that is something else than audio ("a PNG image")."""
    return f"This looks like {what}, not an audio file: {UPLOAD_AUDIO}."


def damaged(kind: str) -> str:
    """Refuse a file that announces `kind` (FLAC, MP3...) but cannot be opened."""
    return (
        f"This {kind} file is damaged or cut short, so it cannot be opened: "
        "download or export it again and upload the complete file."
    )


def truncated(promised: float, present: float | None = None) -> str:
    """Refuse a file whose header promises more audio than the bytes hold."""
    rest = "" if present is None else f", but only {present:.1f} s are there"
    return (
        f"The file is cut short: its header promises {promised:.1f} s of audio{rest}. "
        "Upload the complete file again."
    )


def too_long(duration: float, limit: float) -> str:
    """Refuse audio longer than the platform takes."""
    return (
        f"The audio is {_minutes(duration)} long; the maximum is {_minutes(limit)}: "
        "upload a shorter part of it."
    )


def _minutes(seconds: float) -> str:
    whole = math.ceil(seconds)
    return f"{whole // 60}:{whole % 60:02d} min"


def unsupported_format(name: str) -> str:
    """Refuse audio in a format libsndfile reads but we do not take (AU, VOC...)."""
    return f"Audio format {name} is not supported: {UPLOAD_AUDIO}."


def too_many_channels(channels: int, limit: int) -> str:
    return (
        f"The audio file has {channels} channels; at most {limit} can be used: "
        "mix it down to stereo and upload it again."
    )


def bad_rate(rate: int, low: int, high: int) -> str:
    return (
        f"Sample rate {rate} Hz is outside the supported range {low} to {high} Hz: "
        "export the song at 44100 or 48000 Hz."
    )


def unreadable(missing: bool) -> str:
    """Refuse a path the operating system cannot open."""
    if missing:
        return "There is no file at that path: check its name and try again."
    return "The file could not be read from disk: check that it exists and is readable."


def open_refusal(library_text: str, head: bytes) -> str:
    """Return the sentence for a file libsndfile could not open, from its text and bytes."""
    text = library_text.lower()
    if not head:
        return EMPTY
    what = headers.not_audio(head)
    if what is not None:
        return not_audio(what)
    kind = headers.container(head)
    if "channel count is zero" in text:
        return NO_CHANNELS
    if "sf_info struct incomplete" in text:
        return NO_RATE
    if kind == "WAV":
        return _wav_refusal(text, head)
    if kind is not None:
        return damaged(kind)
    return UNKNOWN


def _wav_refusal(text: str, head: bytes) -> str:
    if len(head) < 12:
        return damaged("WAV")
    if "'data' chunk" in text:
        # A header cut off before its data chunk is a download cut short, not an export.
        return damaged("WAV") if _cut_within(head) else WAV_NO_DATA
    if "unknown format" in text or "format not recognised" in text:
        return UNKNOWN
    if "'fmt ' chunk" in text or "unimplemented" in text or "adpcm" in text:
        return WAV_ENCODING
    return damaged("WAV")


def _cut_within(head: bytes) -> bool:
    """Whether a short WAV holds fewer bytes than its RIFF header says it has."""
    if len(head) < 8 or len(head) >= headers.HEAD_BYTES:
        return False
    return int.from_bytes(head[4:8], "little") + 8 > len(head)
