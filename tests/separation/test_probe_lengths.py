"""Lengths the header does not give exactly: cut Wave64 and RF64 files, MP3s without Xing."""

import io

import pytest
from audio_factories import RATE, encode, lame_mp3_bytes, tone

from separation import headers
from separation.audio import probe, read_audio
from separation.errors import InvalidAudio


@pytest.mark.parametrize("fmt", ["W64", "RF64"])
def test_a_cut_wave64_or_rf64_file_is_refused_as_cut_short(fmt):
    data = encode(tone(seconds=2.0), RATE, fmt, "PCM_16")

    with pytest.raises(InvalidAudio) as refused:
        probe(io.BytesIO(data[: len(data) // 2]))

    assert str(refused.value).startswith("The file is cut short: its header promises 2.0 s")


@pytest.mark.parametrize("fmt", ["W64", "RF64"])
def test_a_complete_wave64_or_rf64_file_declares_its_frames(fmt):
    data = encode(tone(seconds=2.0), RATE, fmt, "PCM_16")

    assert headers.declared_frames(data[: headers.HEAD_BYTES]) == 2 * RATE
    assert probe(io.BytesIO(data)).frames == 2 * RATE


def _id3v2(size: int) -> bytes:
    syncsafe = bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x03\x00\x00" + syncsafe + bytes(size)


def test_an_mp3_without_xing_behind_a_large_tag_is_accepted_with_its_real_length():
    # Without a Xing header libsndfile guesses the length from the file size, cover art
    # included: 200 kB of tag at 192 kbit/s reads as 8 s more than there is.
    data = _id3v2(200_000) + lame_mp3_bytes(1.0)

    info = probe(io.BytesIO(data), max_duration=600)
    audio = read_audio(io.BytesIO(data), max_duration=600)

    assert info.duration == pytest.approx(1.0, abs=0.1)
    assert audio.source.frames == info.frames
    assert audio.duration == pytest.approx(1.0, abs=0.1)


def test_an_mp3_with_a_xing_header_cut_short_is_still_refused():
    data = encode(tone(seconds=3.0), RATE, "MP3", "MPEG_LAYER_III")

    with pytest.raises(InvalidAudio, match="The file is cut short"):
        probe(io.BytesIO(data[: len(data) // 2]))


def test_the_first_frame_offset_skips_an_id3v2_tag():
    assert headers.mp3_audio_offset(_id3v2(1000) + b"\xff\xfb") == 1010
    assert headers.mp3_audio_offset(b"\xff\xfb\x90\x00") == 0
