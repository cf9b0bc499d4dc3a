"""A streaming encoder's FLAC (no total length in STREAMINFO) is accepted and read whole."""

import io

import numpy as np
import pytest
from audio_factories import RATE, streaming_flac, tone

from separation.audio import probe, read_audio
from separation.errors import InvalidAudio

# Not a whole number of FLAC blocks (4096) nor of decode blocks: the last frame is short.
FRAMES = 3 * RATE + 1234


def _signal(frames: int = FRAMES, channels: int = 2) -> np.ndarray:
    """16-bit samples (frames, channels): a tone plus noise, stored exactly by FLAC."""
    rng = np.random.default_rng(7)
    noise = rng.uniform(-0.3, 0.3, size=(frames, channels))
    wave = tone(440.0, frames / RATE, channels=channels) * 0.5 + noise
    return np.round(wave * 32767).astype(np.int16)


def _as_float(signal: np.ndarray) -> np.ndarray:
    """The (channels, n) float32 values a decoder gives for 16-bit `signal`."""
    return (signal.T / 32768.0).astype(np.float32)


def test_the_factory_writes_a_flac_whose_header_gives_no_length():
    data = streaming_flac(_signal())

    assert int.from_bytes(data[18:26], "big") & ((1 << 36) - 1) == 0


def test_probe_counts_the_frames_of_a_flac_whose_header_gives_no_length():
    info = probe(io.BytesIO(streaming_flac(_signal())), max_duration=600)

    assert info.format == "FLAC"
    assert info.frames == FRAMES
    assert info.duration == pytest.approx(FRAMES / RATE)


def test_it_decodes_a_flac_without_a_length_to_the_last_sample():
    signal = _signal()

    audio = read_audio(io.BytesIO(streaming_flac(signal)), max_duration=600)

    assert audio.samples.shape == (2, FRAMES)
    assert audio.source.frames == FRAMES
    np.testing.assert_array_equal(audio.samples, _as_float(signal))


def test_it_decodes_a_mono_flac_without_a_length_from_a_path(tmp_path):
    signal = _signal(channels=1)
    path = tmp_path / "stream.flac"
    path.write_bytes(streaming_flac(signal))

    audio = read_audio(path, max_duration=600)

    assert audio.samples.shape == (2, FRAMES)
    np.testing.assert_array_equal(audio.samples[0], _as_float(signal)[0])
    np.testing.assert_array_equal(audio.samples[1], audio.samples[0])


def test_a_flac_without_a_length_longer_than_the_limit_is_refused_while_counting():
    data = streaming_flac(tone(seconds=5.0))

    with pytest.raises(InvalidAudio) as refused:
        probe(io.BytesIO(data), max_duration=2)

    assert str(refused.value).startswith("The audio is 0:0")
    assert "the maximum is 0:02 min" in str(refused.value)


def test_a_flac_without_a_length_decoded_past_the_limit_is_refused():
    with pytest.raises(InvalidAudio, match="the maximum is 0:02 min"):
        read_audio(io.BytesIO(streaming_flac(tone(seconds=5.0))), max_duration=2)
