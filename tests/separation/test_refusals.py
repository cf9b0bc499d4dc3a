"""Every refusal of a malformed file is one of the plain sentences, never the decoder's words."""

import io
import re
import struct

import numpy as np
import pytest

from separation import refusals
from separation.audio import probe, read_audio
from separation.errors import InvalidAudio
from tests.separation.audio_factories import (
    encode,
    flac_bytes,
    lame_mp3_bytes,
    mp3_bytes,
    ogg_bytes,
    riff_wav,
    tone,
    wav_bytes,
)

# Phrases libsndfile, libFLAC and mpg123 use; none may reach a person.
DECODER_PHRASES = (
    "chunk marker",
    "unimplemented format",
    "Unspecified internal error",
    "SF_INFO",
    "unknown error in flac decoder",
    "possibly a pipe",
    "Malformed 'fmt '",
    "malformed",
    "Invalid bit width",
    "Format not recognised",
    "psf_",
    "Internal error",
    "Error :",
    "Error in",
    "could not be opened:",
)
# What a sentence tells the person to do.
ACTIONS = ("upload", "export", "save it", "mix it down", "choose the song again")


def _cut(data: bytes, fraction: float) -> bytes:
    return data[: int(len(data) * fraction)]


def _float_wav_with(bad: float, where: int) -> bytes:
    samples = tone(seconds=2.0)
    samples[where, 0] = bad
    return encode(samples, 44100, "WAV", "FLOAT")


def _wav_without_data_chunk() -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 2, 44100, 44100 * 4, 4, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"LIST\x04\x00\x00\x00INFO"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _corpus() -> dict[str, bytes]:
    wav, flac, mp3, ogg = wav_bytes(2.0), flac_bytes(3.0), mp3_bytes(3.0), ogg_bytes(3.0)
    cases: dict[str, bytes] = {"empty-file": b"", "wav-header-only": wav[:44]}
    for name, data in (("wav", wav), ("flac", flac), ("mp3", mp3), ("ogg", ogg)):
        for offset in (4, 12, 30, 60):
            cases[f"{name}-cut-at-byte-{offset}"] = data[:offset]
    for fraction in (0.1, 0.5, 0.9, 0.99):
        cases[f"wav-cut-at-{fraction}"] = _cut(wav, fraction)
        cases[f"flac-cut-at-{fraction}"] = _cut(flac, fraction)
    for fraction in (0.1, 0.5, 0.9):
        cases[f"mp3-cut-at-{fraction}"] = _cut(mp3, fraction)
    cases["ogg-cut-at-0.1"] = _cut(ogg, 0.1)
    cases["lame-mp3-cut-at-byte-200"] = lame_mp3_bytes(1.0)[:200]
    aiff = encode(tone(seconds=2.0), 44100, "AIFF", "PCM_16")
    cases["aiff-cut-at-0.5"] = _cut(aiff, 0.5)
    cases["wav-without-data-chunk"] = _wav_without_data_chunk()
    for tag in (0x2, 0x55, 0x1234, 0xFFFE):
        cases[f"wav-format-code-{tag:#x}"] = riff_wav(bytes(4000), format_tag=tag)
    cases["wav-0-bits"] = riff_wav(bytes(4000), bits=0)
    cases["wav-0-channels"] = riff_wav(bytes(4000), channels=0)
    cases["wav-0-hz"] = riff_wav(bytes(4000), rate=0)
    cases["wav-1-hz"] = riff_wav(bytes(4000), rate=1)
    cases["wav-65-channels"] = riff_wav(bytes(65 * 2 * 100), channels=65)
    cases["au-file"] = encode(tone(seconds=0.1), 44100, "AU", "PCM_16")
    cases["text"] = b"These are the lyrics, not the song.\n" * 40
    cases["html"] = b"<!doctype html><html><body>404 Not Found</body></html>\n" * 10
    cases["png"] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300)
    cases["jpeg"] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)
    cases["gif"] = b"GIF89a" + bytes(300)
    cases["zip"] = b"PK\x03\x04\x14\x00" + bytes(300)
    cases["pdf"] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(300)
    cases["gzip"] = b"\x1f\x8b\x08\x00" + bytes(300)
    cases["m4a"] = b"\x00\x00\x00\x20ftypM4A " + bytes(300)
    cases["id3-tag-only"] = b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(16)
    cases["flac-magic-then-zeros"] = b"fLaC" + bytes(60)
    cases["ogg-magic-then-zeros"] = b"OggS" + bytes(60)
    cases["zeros"] = bytes(4096)
    cases["random-bytes"] = np.random.default_rng(11).bytes(5000)
    for bad, label in ((np.nan, "nan"), (np.inf, "inf"), (-np.inf, "minus-inf")):
        cases[f"float-wav-{label}-first-sample"] = _float_wav_with(bad, 0)
        cases[f"float-wav-{label}-in-first-block"] = _float_wav_with(bad, 30000)
    return cases


CORPUS = _corpus()

# Fixed sentences and the patterns of the ones that carry a number or a name.
PLAIN = [
    re.escape(s)
    for s in (
        refusals.EMPTY,
        refusals.NO_SAMPLES,
        refusals.UNKNOWN,
        refusals.WAV_NO_DATA,
        refusals.WAV_ENCODING,
        refusals.NO_CHANNELS,
        refusals.NO_RATE,
        refusals.INVALID_SAMPLES,
        refusals.CUT_OFF,
        refusals.DECODER_FAILED,
        refusals.DECODER_TIMEOUT,
    )
] + [
    r"This looks like an? [\w -]+, not an audio file: upload a WAV, FLAC, OGG, MP3 or AIFF file\.",
    r"This (WAV|FLAC|OGG|MP3|AIFF) file is damaged or cut short, so it cannot be opened: "
    r"download or export it again and upload the complete file\.",
    r"The file is cut short: its header promises \d+\.\d s of audio(, but only \d+\.\d s are "
    r"there)?\. Upload the complete file again\.",
    r"The audio is \d+:\d\d min long; the maximum is \d+:\d\d min: upload a shorter part of it\.",
    r"Audio format \w+ is not supported: upload a WAV, FLAC, OGG, MP3 or AIFF file\.",
    r"The audio file has \d+ channels; at most \d+ can be used: mix it down to stereo and "
    r"upload it again\.",
    r"Sample rate \d+ Hz is outside the supported range \d+ to \d+ Hz: export the song at "
    r"44100 or 48000 Hz\.",
]


def assert_plain(message: str) -> None:
    """The message is one of the plain sentences: what is wrong and what to do."""
    assert any(re.fullmatch(p, message) for p in PLAIN), f"not a plain sentence: {message!r}"
    assert message.endswith("."), message
    assert any(action in message.lower() for action in ACTIONS), message
    for phrase in DECODER_PHRASES:
        assert phrase.lower() not in message.lower(), f"{message!r} leaks {phrase!r}"


def test_the_corpus_has_at_least_40_malformed_files():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("data", CORPUS.values(), ids=CORPUS.keys())
def test_probe_refuses_every_malformed_file_with_a_plain_sentence(data):
    with pytest.raises(InvalidAudio) as caught:
        probe(io.BytesIO(data))

    assert_plain(str(caught.value))


@pytest.mark.parametrize("data", CORPUS.values(), ids=CORPUS.keys())
def test_read_audio_refuses_every_malformed_file_with_a_plain_sentence(data):
    with pytest.raises(InvalidAudio) as caught:
        read_audio(io.BytesIO(data))

    assert_plain(str(caught.value))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wav-without-data-chunk", refusals.WAV_NO_DATA),
        ("png", "This looks like a PNG image, not an audio file"),
        ("jpeg", "This looks like a JPEG image"),
        ("zip", "This looks like a ZIP archive"),
        ("pdf", "This looks like a PDF document"),
        ("text", "This looks like a text file"),
        ("m4a", "This looks like an MP4 or M4A file"),
        ("wav-0-hz", refusals.NO_RATE),
        ("wav-0-channels", refusals.NO_CHANNELS),
        ("wav-format-code-0xfffe", refusals.WAV_ENCODING),
        ("flac-cut-at-byte-60", "This FLAC file is damaged or cut short"),
        ("mp3-cut-at-byte-60", "This MP3 file is damaged or cut short"),
        ("empty-file", refusals.EMPTY),
        ("float-wav-nan-in-first-block", refusals.INVALID_SAMPLES),
    ],
)
def test_each_kind_of_problem_gets_its_own_reason(name, expected):
    with pytest.raises(InvalidAudio) as caught:
        probe(io.BytesIO(CORPUS[name]))

    assert str(caught.value).startswith(expected)


@pytest.mark.parametrize(
    ("name", "promised", "present"),
    [
        ("wav-cut-at-0.5", "2.0", " but only 1.0 s"),
        ("aiff-cut-at-0.5", "2.0", " but only 1.0 s"),
        ("flac-cut-at-0.9", "3.0", ""),
        ("mp3-cut-at-0.5", "3.0", ""),
    ],
)
def test_probe_tells_a_file_cut_short_at_upload(name, promised, present):
    with pytest.raises(InvalidAudio) as caught:
        probe(io.BytesIO(CORPUS[name]))

    message = str(caught.value)
    assert message.startswith(f"The file is cut short: its header promises {promised} s")
    assert present in message


def test_the_decoders_own_words_stay_in_the_cause():
    with pytest.raises(InvalidAudio) as caught:
        probe(io.BytesIO(CORPUS["wav-without-data-chunk"]))

    assert "'data' chunk" in str(caught.value.__cause__)


@pytest.mark.parametrize(
    "data",
    [wav_bytes(1.0), flac_bytes(1.0), mp3_bytes(1.0), ogg_bytes(1.0), lame_mp3_bytes(1.0)],
    ids=["wav", "flac", "mp3", "ogg", "lame-mp3"],
)
def test_probe_still_accepts_complete_files(data):
    info = probe(io.BytesIO(data))

    assert info.duration == pytest.approx(1.0, abs=0.1)


def test_probe_accepts_a_float_wav_with_finite_samples():
    info = probe(io.BytesIO(encode(tone(seconds=1.0), 44100, "WAV", "FLOAT")))

    assert info.subtype == "FLOAT"
