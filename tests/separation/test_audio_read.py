"""Decoding: every supported input becomes float32 stereo at 44.1 kHz, faithfully."""

import io

import numpy as np
import pytest

from separation.audio import SAMPLE_RATE, Audio, AudioInfo, fold_to_stereo, probe, read_audio
from tests.separation.audio_factories import (
    SOURCE_KINDS,
    as_source,
    constant_channels,
    encode,
    flac_bytes,
    lame_mp3_bytes,
    mp3_bytes,
    ogg_bytes,
    peak_frequency,
    steady_peak,
    tone,
    wav_bytes,
)

RATES = [8000, 11025, 22050, 44100, 48000, 96000, 192000]
WAV_SUBTYPES = ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"]
# Largest error a round trip through each subtype may add to a 0.5-amplitude tone.
SUBTYPE_TOLERANCE = {
    "PCM_U8": 1 / 64,
    "PCM_16": 1e-4,
    "PCM_24": 1e-6,
    "PCM_32": 1e-6,
    "FLOAT": 1e-7,
    "DOUBLE": 1e-7,
}


def assert_decoded(audio: Audio, seconds: float) -> None:
    assert isinstance(audio, Audio)
    assert audio.samples.dtype == np.float32
    assert audio.samples.ndim == 2 and audio.samples.shape[0] == 2
    assert audio.sample_rate == SAMPLE_RATE
    assert audio.duration == pytest.approx(seconds, abs=0.005)
    assert np.isfinite(audio.samples).all()


@pytest.mark.parametrize("rate", RATES)
def test_it_reads_a_wav_at_any_supported_sample_rate_as_stereo_at_44k1(rate):
    audio = read_audio(io.BytesIO(wav_bytes(0.5, rate=rate)))

    assert_decoded(audio, 0.5)
    assert audio.samples.shape[1] == pytest.approx(SAMPLE_RATE * 0.5, abs=2)
    assert audio.source == AudioInfo("WAV", "PCM_16", rate, 2, round(0.5 * rate))


@pytest.mark.parametrize("rate", [8000, 48000, 192000])
def test_it_really_resamples_so_a_1khz_tone_stays_1khz(rate):
    audio = read_audio(io.BytesIO(wav_bytes(1.0, rate=rate, subtype="FLOAT")))

    assert_decoded(audio, 1.0)
    for channel in audio.samples:
        assert peak_frequency(channel, SAMPLE_RATE) == pytest.approx(1000, abs=2)


@pytest.mark.parametrize("rate", RATES)
def test_it_keeps_the_amplitude_of_a_tone_when_resampling(rate):
    audio = read_audio(io.BytesIO(wav_bytes(0.5, rate=rate, subtype="FLOAT")))

    assert steady_peak(audio.samples, SAMPLE_RATE) == pytest.approx(0.5, rel=0.03)


@pytest.mark.parametrize("rate", [8000, 22050, 48000, 192000])
def test_it_keeps_the_tone_in_time_so_it_lines_up_with_an_ideal_one(rate):
    audio = read_audio(io.BytesIO(wav_bytes(1.0, rate=rate, subtype="FLOAT")))

    ideal = tone(1000, 1.0, rate=SAMPLE_RATE)[:, 0]
    middle = slice(SAMPLE_RATE // 10, -SAMPLE_RATE // 10)
    error = np.abs(audio.samples[0, middle] - ideal[middle]).max()
    assert error < 0.02, f"resampled tone is shifted or distorted (max error {error:.4f})"


@pytest.mark.parametrize("subtype", WAV_SUBTYPES)
def test_it_reads_every_wav_sample_format_to_the_same_values(subtype):
    original = tone(440, 0.25, channels=2)
    audio = read_audio(io.BytesIO(encode(original, SAMPLE_RATE, "WAV", subtype)))

    assert_decoded(audio, 0.25)
    assert audio.source.subtype == subtype
    np.testing.assert_allclose(audio.samples, original.T, atol=SUBTYPE_TOLERANCE[subtype])


def test_it_reads_8_bit_wav_as_unsigned_pcm_centred_on_zero():
    silence_u8 = encode(np.zeros((4410, 1)), SAMPLE_RATE, "WAV", "PCM_U8")
    assert set(silence_u8[44:]) == {0x80}  # 8-bit WAV stores silence as 128

    audio = read_audio(io.BytesIO(silence_u8))

    assert audio.source.subtype == "PCM_U8"
    np.testing.assert_array_equal(audio.samples, 0.0)


@pytest.mark.parametrize("channels", range(1, 9))
def test_it_reads_one_to_eight_channels_as_stereo(channels):
    audio = read_audio(io.BytesIO(wav_bytes(0.25, channels=channels)))

    assert_decoded(audio, 0.25)
    assert audio.source.channels == channels


def test_it_duplicates_mono_into_both_channels():
    original = tone(440, 0.25, channels=1)
    audio = read_audio(io.BytesIO(encode(original, SAMPLE_RATE, "WAV", "FLOAT")))

    np.testing.assert_array_equal(audio.samples[0], audio.samples[1])
    np.testing.assert_allclose(audio.samples[0], original[:, 0], atol=1e-7)


def test_it_keeps_left_and_right_of_stereo_apart():
    stereo = constant_channels([0.25, -0.5])
    audio = read_audio(io.BytesIO(encode(stereo, SAMPLE_RATE, "WAV", "FLOAT")))

    np.testing.assert_allclose(audio.samples[0], 0.25)
    np.testing.assert_allclose(audio.samples[1], -0.5)


@pytest.mark.parametrize(
    ("levels", "left", "right"),
    [
        ([0.1, 0.2, 0.3], (0.1 + 0.3) / 2, 0.2),
        ([0.1, 0.2, 0.3, 0.4], (0.1 + 0.3) / 2, (0.2 + 0.4) / 2),
        ([0.1, -0.2, 0.3, -0.4, 0.5, -0.6], 0.3, -0.4),
        ([0.8] * 8, 0.8, 0.8),
        ([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], 0.3, 0.4),
    ],
)
def test_it_folds_extra_channels_averaging_even_ones_left_and_odd_ones_right(levels, left, right):
    multichannel = constant_channels(levels)
    audio = read_audio(io.BytesIO(encode(multichannel, SAMPLE_RATE, "WAV", "FLOAT")))

    np.testing.assert_allclose(audio.samples[0], left, atol=1e-6)
    np.testing.assert_allclose(audio.samples[1], right, atol=1e-6)


def test_folding_full_scale_channels_never_clips():
    loud = constant_channels([1.0, -1.0] * 4)

    folded = fold_to_stereo(loud.astype(np.float32))

    assert folded.shape == (1000, 2)
    assert folded.flags.c_contiguous
    np.testing.assert_allclose(folded, [[1.0, -1.0]] * 1000)


@pytest.mark.parametrize(
    ("name", "make", "subtype"),
    [
        ("FLAC", flac_bytes, "PCM_16"),
        ("OGG", ogg_bytes, "VORBIS"),
        ("MP3", mp3_bytes, "MPEG_LAYER_III"),
        ("MP3", lame_mp3_bytes, "MPEG_LAYER_III"),
    ],
    ids=["flac", "ogg-vorbis", "mp3-libsndfile", "mp3-lame"],
)
@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_it_reads_compressed_formats_as_a_tone_of_the_right_length(name, make, subtype, rate):
    audio = read_audio(io.BytesIO(make(1.0, rate=rate)))

    assert audio.source.format == name
    assert audio.source.subtype == subtype
    assert audio.source.sample_rate == rate
    assert audio.samples.dtype == np.float32
    assert audio.samples.shape[0] == 2
    assert audio.sample_rate == SAMPLE_RATE
    # Lossy codecs pad with encoder delay; allow a little slack.
    assert audio.duration == pytest.approx(1.0, abs=0.1)
    assert peak_frequency(audio.samples[0], SAMPLE_RATE) == pytest.approx(1000, abs=3)
    assert steady_peak(audio.samples, SAMPLE_RATE) == pytest.approx(0.5, rel=0.1)


def test_it_reads_mono_mp3_into_both_channels():
    audio = read_audio(io.BytesIO(mp3_bytes(0.5, channels=1)))

    assert audio.source.channels == 1
    np.testing.assert_array_equal(audio.samples[0], audio.samples[1])


@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_it_reads_from_a_path_and_from_a_file_object_alike(kind, tmp_path):
    data = wav_bytes(0.5, rate=48000)

    audio = read_audio(as_source(kind, data, tmp_path))

    assert_decoded(audio, 0.5)
    reference = read_audio(io.BytesIO(data))
    np.testing.assert_array_equal(audio.samples, reference.samples)


@pytest.mark.parametrize("reader", [probe, read_audio], ids=["probe", "read_audio"])
def test_it_leaves_a_file_object_rewound_so_it_can_be_read_again(reader):
    source = io.BytesIO(wav_bytes(0.25))

    reader(source)

    assert source.tell() == 0
    assert_decoded(read_audio(source), 0.25)


def test_it_decodes_silence_to_zeros():
    audio = read_audio(io.BytesIO(encode(np.zeros((22050, 2)), 22050, "WAV", "PCM_16")))

    assert_decoded(audio, 1.0)
    np.testing.assert_array_equal(audio.samples, 0.0)


def test_it_can_decode_to_another_sample_rate_when_asked():
    audio = read_audio(io.BytesIO(wav_bytes(1.0, rate=44100)), sample_rate=16000)

    assert audio.sample_rate == 16000
    assert audio.samples.shape == (2, 16000)
    assert peak_frequency(audio.samples[0], 16000) == pytest.approx(1000, abs=2)


@pytest.mark.parametrize("frames", [65535, 65536, 65537, 131072])
def test_it_resamples_files_ending_exactly_on_a_block_boundary(frames):
    data = encode(tone(seconds=frames / 48000, rate=48000), 48000, "WAV", "FLOAT")

    audio = read_audio(io.BytesIO(data))

    assert audio.samples.shape[1] == round(frames * SAMPLE_RATE / 48000)


def test_it_reads_a_file_longer_than_one_block_without_seams():
    # Several decoding blocks at 96 kHz; any glitch at block joins would show up here.
    audio = read_audio(io.BytesIO(wav_bytes(3.0, rate=96000, subtype="FLOAT")))

    ideal = tone(1000, 3.0, rate=SAMPLE_RATE)[:, 0]
    middle = slice(SAMPLE_RATE // 10, -SAMPLE_RATE // 10)
    assert np.abs(audio.samples[0, middle] - ideal[middle]).max() < 0.02


def test_it_accepts_audio_just_within_the_maximum_duration():
    audio = read_audio(io.BytesIO(wav_bytes(2.0, rate=8000)), max_duration=2.0)

    assert_decoded(audio, 2.0)


@pytest.mark.parametrize(
    ("data", "fmt", "subtype", "rate", "channels", "frames"),
    [
        (wav_bytes(0.5, rate=48000, channels=1), "WAV", "PCM_16", 48000, 1, 24000),
        (wav_bytes(0.5, rate=96000, subtype="PCM_24"), "WAV", "PCM_24", 96000, 2, 48000),
        (wav_bytes(0.5, channels=6, subtype="FLOAT"), "WAV", "FLOAT", 44100, 6, 22050),
        (flac_bytes(0.5, rate=22050), "FLAC", "PCM_16", 22050, 2, 11025),
    ],
    ids=["wav-mono-48k", "wav-24bit-96k", "wav-float-6ch", "flac-22k"],
)
def test_probe_reports_what_the_header_says(data, fmt, subtype, rate, channels, frames):
    info = probe(io.BytesIO(data))

    assert info == AudioInfo(fmt, subtype, rate, channels, frames)
    assert info.duration == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("make", "fmt"),
    [(ogg_bytes, "OGG"), (mp3_bytes, "MP3")],
    ids=["ogg", "mp3"],
)
def test_probe_reports_compressed_formats_with_about_the_right_duration(make, fmt):
    info = probe(io.BytesIO(make(2.0, rate=48000)))

    assert info.format == fmt
    assert info.sample_rate == 48000
    assert info.channels == 2
    assert info.duration == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize("kind", SOURCE_KINDS)
def test_probe_accepts_audio_within_the_maximum_duration(kind, tmp_path):
    info = probe(as_source(kind, wav_bytes(3.0, rate=8000), tmp_path), max_duration=3.0)

    assert info.duration == pytest.approx(3.0)


@pytest.mark.parametrize("fmt", ["AIFF", "W64", "RF64", "WAVEX"])
@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "FLOAT"])
def test_it_reads_the_other_uncompressed_containers_too(fmt, subtype):
    original = tone(440, 0.5, rate=48000)

    audio = read_audio(io.BytesIO(encode(original, 48000, fmt, subtype)))

    assert audio.source == AudioInfo(fmt, subtype, 48000, 2, 24000)
    assert_decoded(audio, 0.5)
    assert peak_frequency(audio.samples[0], SAMPLE_RATE) == pytest.approx(440, abs=3)
