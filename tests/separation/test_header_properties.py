"""Property-based tests: whatever a header says, reading it gives a plain refusal or audio.

Random and mutated WAV, AIFF and FLAC header fields (absurd rates and channel counts,
chunk sizes that wrap, lengths that lie), random bytes and cut files must never raise
anything but InvalidAudio, and every refusal is one of the plain sentences.
"""

from __future__ import annotations

import io
import os
import struct

import pytest
from audio_factories import encode, flac_bytes, riff_wav, tone, wav_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_refusals import DECODER_PHRASES, assert_plain

from separation import audio, headers, isolated, refusals
from separation.audio import AudioInfo
from separation.errors import InvalidAudio

# Modest by default so the suite stays fast; HYPOTHESIS_EXAMPLES=2000 for a long hunt.
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "60"))
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

u16 = st.integers(0, 0xFFFF)
u32 = st.one_of(st.integers(0, 0xFFFFFFFF), st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF]))
small_u32 = st.one_of(st.integers(0, 400_000), st.sampled_from([0, 0xFFFFFFFF, 0x80000000]))
WAV = wav_bytes(0.2, rate=8000)
FLAC = flac_bytes(0.2, rate=8000)
AIFF = encode(tone(seconds=0.2, rate=8000), 8000, "AIFF", "PCM_16")
VALID = {"wav": WAV, "flac": FLAC, "aiff": AIFF}


def _outcome(data: bytes) -> AudioInfo | str:
    """Probe `data`: the audio's info, or the refusal's sentence (checked plain)."""
    try:
        info = audio.probe(io.BytesIO(data), max_duration=600)
    except InvalidAudio as exc:
        assert_plain(str(exc))
        return str(exc)
    assert info.channels >= 1 and info.frames > 0
    assert audio.MIN_SAMPLE_RATE <= info.sample_rate <= audio.MAX_SAMPLE_RATE
    return info


def _aiff(channels: int, frames: int, bits: int, rate_exponent: int, ssnd_size: int) -> bytes:
    """An AIFF whose COMM chunk says anything: the rate as an 80-bit float's exponent."""
    rate = struct.pack(">HQ", rate_exponent, 0xAC44 << 48)
    comm = struct.pack(">hIh", channels, frames, bits) + rate
    ssnd = struct.pack(">II", 0, 0) + bytes(800)
    body = (
        b"AIFF"
        + b"COMM"
        + struct.pack(">I", len(comm))
        + comm
        + b"SSND"
        + struct.pack(">I", ssnd_size)
        + ssnd
    )
    return b"FORM" + struct.pack(">I", len(body)) + body


@PROFILE
@given(st.binary(max_size=6000))
def test_the_byte_sniffers_take_any_bytes(data):
    assert headers.container(data) in (None, "WAV", "AIFF", "FLAC", "OGG", "MP3")
    what = headers.not_audio(data)
    assert what is None or what.startswith(("a ", "an "))
    frames = headers.declared_frames(data)
    assert frames is None or frames >= 0


@PROFILE
@given(st.text(max_size=200), st.binary(max_size=600))
def test_any_decoder_text_with_any_bytes_maps_to_a_plain_sentence(text, head):
    message = refusals.open_refusal(text, head)

    assert_plain(message)


@PROFILE
@given(st.sampled_from(DECODER_PHRASES), st.binary(max_size=300))
def test_the_decoders_own_phrases_never_pass_through(phrase, head):
    message = refusals.open_refusal(f"Error : {phrase}.", head)

    assert_plain(message)
    assert phrase.lower() not in message.lower()


@PROFILE
@given(
    format_tag=st.one_of(st.sampled_from([1, 3, 0xFFFE]), u16),
    channels=st.one_of(st.integers(0, 8), u16),
    rate=st.one_of(st.sampled_from([0, 1, 8000, 44100, 192000, 192001]), u32),
    bits=st.one_of(st.sampled_from([0, 8, 16, 24, 32, 64]), u16),
    data_size=st.one_of(st.none(), small_u32),
    data=st.binary(max_size=3000),
)
def test_a_wav_header_saying_anything_is_read_or_refused_plainly(
    format_tag, channels, rate, bits, data_size, data
):
    wav = riff_wav(
        data, format_tag=format_tag, channels=channels, rate=rate, bits=bits, data_size=data_size
    )

    _outcome(wav)


@PROFILE
@given(
    channels=st.one_of(st.integers(-2, 8), st.integers(-0x8000, 0x7FFF)),
    frames=u32,
    bits=st.one_of(st.sampled_from([0, 8, 16, 24, 32]), st.integers(-0x8000, 0x7FFF)),
    rate_exponent=st.one_of(st.sampled_from([0, 0x400E, 0x4011, 0x7FFF]), u16),
    ssnd_size=small_u32,
)
def test_an_aiff_header_saying_anything_is_read_or_refused_plainly(
    channels, frames, bits, rate_exponent, ssnd_size
):
    _outcome(_aiff(channels, frames, bits, rate_exponent, ssnd_size))


@PROFILE
@given(
    min_block=u16,
    max_block=u16,
    rate=st.one_of(st.sampled_from([0, 1, 8000, 655350, 1048575]), st.integers(0, (1 << 20) - 1)),
    channels=st.integers(0, 7),
    bits=st.integers(0, 31),
    total=st.one_of(st.sampled_from([0, 1, (1 << 36) - 1]), st.integers(0, (1 << 36) - 1)),
)
def test_a_flac_streaminfo_saying_anything_is_read_or_refused_plainly(
    min_block, max_block, rate, channels, bits, total
):
    data = bytearray(FLAC)
    data[8:12] = struct.pack(">HH", min_block, max_block)
    packed = (rate << 44) | (channels << 41) | (bits << 36) | total
    data[18:26] = packed.to_bytes(8, "big")

    _outcome(bytes(data))


@PROFILE
@given(
    kind=st.sampled_from(sorted(VALID)),
    edits=st.lists(st.tuples(st.integers(0, 199), st.integers(0, 255)), min_size=1, max_size=8),
)
def test_a_valid_file_with_bytes_changed_in_its_header_is_read_or_refused_plainly(kind, edits):
    data = bytearray(VALID[kind])
    for position, value in edits:
        data[position] = value

    _outcome(bytes(data))


@PROFILE
@given(kind=st.sampled_from(sorted(VALID)), data=st.data())
def test_a_valid_file_cut_anywhere_is_read_or_refused_plainly(kind, data):
    whole = VALID[kind]
    end = data.draw(st.integers(0, len(whole) - 1))

    outcome = _outcome(whole[:end])

    if kind != "flac":  # a FLAC cut on a frame boundary is a shorter valid FLAC
        assert isinstance(outcome, str), f"a {kind} cut at byte {end} was accepted"


@settings(PROFILE, max_examples=max(EXAMPLES // 4, 10))
@given(data=st.binary(min_size=1, max_size=2000), kind=st.sampled_from(sorted(VALID)))
def test_random_bytes_behind_a_valid_header_are_refused_plainly_in_the_child(data, kind):
    head = VALID[kind][:64]

    with pytest.raises(InvalidAudio) as refused:
        isolated.probe(io.BytesIO(head + data), max_duration=600)

    assert_plain(str(refused.value))
