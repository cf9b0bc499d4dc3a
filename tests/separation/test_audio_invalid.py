"""Rejection: unusable input raises InvalidAudio with a message a person can act on."""

import io
import re
import time
import tracemalloc

import numpy as np
import pytest

from separation.audio import probe, read_audio
from separation.errors import InvalidAudio, SeparationError
from tests.separation.audio_factories import (
    SOURCE_KINDS,
    as_source,
    encode,
    flac_bytes,
    flac_claiming_frames,
    mp3_bytes,
    pcm16,
    riff_wav,
    tone,
    wav_bytes,
)

READERS = [probe, read_audio]
READER_IDS = ["probe", "read_audio"]

PNG_HEADER = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
SILENT_SECOND = pcm16(np.zeros((44100, 2)))

# Problems visible in the header, which probe must catch as well as read_audio:
# (file bytes, what the message must say).
HEADER_PROBLEMS = {
    "empty-file": (b"", r"^The file is empty \(0 bytes\): choose the song again"),
    "wav-header-without-samples": (riff_wav(b""), r"has no samples in it: export"),
    "wav-written-with-no-frames": (
        encode(np.zeros((0, 2)), 44100, "WAV", "PCM_16"),
        r"has no samples in it: export",
    ),
    "text": (b"Just some notes, not a song at all.\n" * 40, r"not an audio file"),
    "random-bytes": (np.random.default_rng(7).bytes(8192), r"not an audio file we can read"),
    "png-image": (PNG_HEADER, r"^This looks like a PNG image, not an audio file: upload a WAV"),
    "riff-but-not-wave": (b"RIFF\x10\x00\x00\x00AVI LIST" + bytes(64), r"not an audio file"),
    "unknown-wav-codec-0x1234": (
        riff_wav(bytes(4000), format_tag=0x1234),
        r"WAV file uses an audio encoding we cannot read",
    ),
    "au-file": (
        encode(tone(seconds=0.1), 44100, "AU", "PCM_16"),
        r"^Audio format AU is not supported: upload a WAV, FLAC, OGG, MP3 or AIFF file\.$",
    ),
    "voc-file": (
        encode(tone(seconds=0.1, channels=1), 44100, "VOC", "PCM_16"),
        r"^Audio format VOC is not supported",
    ),
    "zero-channels": (
        riff_wav(bytes(4000), channels=0),
        r"^The file's header says it has no audio channels",
    ),
    "65-channels": (
        riff_wav(bytes(65 * 2 * 100), channels=65),
        r"65 channels; at most 64 can be used",
    ),
    "1-hz": (
        riff_wav(SILENT_SECOND, rate=1),
        r"^Sample rate 1 Hz is outside the supported range 8000 to 192000 Hz: export",
    ),
    "1-mhz": (
        riff_wav(SILENT_SECOND, rate=1_000_000),
        r"^Sample rate 1000000 Hz is outside the supported range 8000 to 192000 Hz: ",
    ),
    "just-below-8-khz": (wav_bytes(0.1, rate=7999), r"Sample rate 7999 Hz is outside"),
    "just-above-192-khz": (wav_bytes(0.1, rate=192001), r"Sample rate 192001 Hz is outside"),
}


def assert_readable(message: str, pattern: str) -> None:
    """The message is one plain sentence for a person, and says what is wrong."""
    assert re.search(pattern, message), f"{message!r} does not match {pattern!r}"
    assert message[0].isupper() and message.endswith("."), message
    assert len(message) < 200, message
    for noise in ("object at 0x", "<_io", "b'", "\\x", "psf_", "Internal", "Error :", "None"):
        assert noise not in message, f"{message!r} leaks {noise!r}"


def rejection(reader, source, **kwargs) -> str:
    with pytest.raises(InvalidAudio) as caught:
        reader(source, **kwargs)
    assert isinstance(caught.value, SeparationError)
    return str(caught.value)


@pytest.mark.parametrize("kind", SOURCE_KINDS)
@pytest.mark.parametrize("reader", READERS, ids=READER_IDS)
@pytest.mark.parametrize(("data", "pattern"), HEADER_PROBLEMS.values(), ids=HEADER_PROBLEMS.keys())
def test_it_rejects_a_bad_header_when_probing_and_when_reading(
    data, pattern, reader, kind, tmp_path
):
    message = rejection(reader, as_source(kind, data, tmp_path))

    assert_readable(message, pattern)


@pytest.mark.parametrize("reader", READERS, ids=READER_IDS)
def test_it_rejects_a_file_that_does_not_exist(reader, tmp_path):
    message = rejection(reader, tmp_path / "missing.wav")

    assert_readable(message, r"^There is no file at that path: check its name")


@pytest.mark.parametrize("kind", SOURCE_KINDS)
@pytest.mark.parametrize(
    ("subtype", "cut"),
    [("PCM_16", 0.5), ("PCM_16", 0.9), ("PCM_24", 0.5), ("FLOAT", 0.5), ("PCM_U8", 0.5)],
)
def test_it_rejects_a_truncated_wav(subtype, cut, kind, tmp_path):
    data = wav_bytes(2.0, subtype=subtype)

    message = rejection(read_audio, as_source(kind, data[: int(len(data) * cut)], tmp_path))

    assert_readable(message, r"^The file is cut short: its header promises 2\.0 s of audio, but")


def test_it_says_how_much_of_a_truncated_wav_is_there():
    data = wav_bytes(2.0)

    message = rejection(read_audio, io.BytesIO(data[: len(data) // 2]))

    assert "promises 2.0 s of audio, but only 1.0 s are there" in message


@pytest.mark.parametrize("cut", [0.02, 0.1, 0.5, 0.75, 0.95])
def test_it_rejects_a_truncated_flac(cut):
    data = flac_bytes(3.0)

    message = rejection(read_audio, io.BytesIO(data[: int(len(data) * cut)]))

    assert_readable(message, r"cut short")


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_it_rejects_a_truncated_mp3(cut):
    data = mp3_bytes(3.0)  # its Xing header records the real length

    message = rejection(read_audio, io.BytesIO(data[: int(len(data) * cut)]))

    assert_readable(message, r"^The file is cut short: its header promises 3\.0 s of audio, but")


@pytest.mark.parametrize("subtype", ["FLOAT", "DOUBLE"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "minus-inf"])
@pytest.mark.parametrize("where", [0, 30000, 100_000], ids=["first", "middle", "later-block"])
def test_it_rejects_nan_and_infinite_samples(subtype, bad, where):
    samples = tone(seconds=3.0)
    samples[where, 1] = bad

    message = rejection(read_audio, io.BytesIO(encode(samples, 44100, "WAV", subtype)))

    assert_readable(message, r"^The audio contains invalid samples \(NaN or infinity\): export")


@pytest.mark.parametrize("kind", SOURCE_KINDS)
@pytest.mark.parametrize("reader", READERS, ids=READER_IDS)
def test_it_rejects_audio_longer_than_the_maximum_duration(reader, kind, tmp_path):
    data = wav_bytes(75.0, rate=8000)

    message = rejection(reader, as_source(kind, data, tmp_path), max_duration=60)

    assert_readable(
        message,
        r"^The audio is 1:15 min long; the maximum is 1:00 min: upload a shorter part of it\.$",
    )


@pytest.mark.parametrize("reader", READERS, ids=READER_IDS)
@pytest.mark.parametrize(
    ("make", "seconds"),
    [(flac_bytes, 40.0), (mp3_bytes, 40.0)],
    ids=["flac", "mp3"],
)
def test_it_rejects_long_compressed_audio_too(reader, make, seconds):
    message = rejection(reader, io.BytesIO(make(seconds, rate=8000)), max_duration=30)

    assert_readable(
        message,
        r"^The audio is 0:4\d min long; the maximum is 0:30 min: upload a shorter part of it\.$",
    )


def test_it_rejects_a_wav_whose_header_claims_4_gb_quickly_and_without_allocating_it():
    data = riff_wav(pcm16(tone(seconds=1.0)), data_size=0xFFFF_FFF0)

    tracemalloc.start()
    started = time.perf_counter()
    try:
        message = rejection(read_audio, io.BytesIO(data))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert_readable(message, r"cut short: its header promises 24347\.\d s of audio, but only 1\.0")
    assert elapsed < 1.0
    assert peak < 32 * 2**20, f"decoding allocated {peak / 2**20:.0f} MiB"


def test_it_rejects_a_flac_whose_header_claims_2_to_the_36_frames_without_allocating_them():
    data = flac_claiming_frames(2**36 - 1, seconds=1.0)

    tracemalloc.start()
    started = time.perf_counter()
    try:
        message = rejection(read_audio, io.BytesIO(data))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert_readable(message, r"cut short")
    assert elapsed < 1.0
    # At most a bounded up-front buffer (10 minutes of stereo float32), never 512 GiB.
    assert peak < 256 * 2**20, f"decoding allocated {peak / 2**20:.0f} MiB"


def test_probe_refuses_a_wav_whose_header_promises_more_than_is_there():
    data = riff_wav(pcm16(tone(seconds=1.0)), data_size=0xFFFF_FFF0)

    message = rejection(probe, io.BytesIO(data))

    assert_readable(message, r"cut short: its header promises 24347\.\d s of audio, but only 1\.0")


def test_probe_accepts_silence_as_valid_audio():
    info = probe(io.BytesIO(riff_wav(SILENT_SECOND)))

    assert (info.format, info.subtype, info.channels, info.frames) == ("WAV", "PCM_16", 2, 44100)


def test_read_audio_accepts_silence_and_decodes_it_to_zeros():
    audio = read_audio(io.BytesIO(riff_wav(SILENT_SECOND)))

    assert audio.samples.shape == (2, 44100)
    assert audio.samples.dtype == np.float32
    assert not audio.samples.any()


def test_a_rejection_is_a_separation_error_and_not_a_value_error():
    # Callers catch SeparationError to show the message as it is.
    with pytest.raises(InvalidAudio) as caught:
        read_audio(io.BytesIO(bytes(100)))

    assert isinstance(caught.value, SeparationError)
    assert not isinstance(caught.value, ValueError)
    assert_readable(str(caught.value), r"not an audio file")
