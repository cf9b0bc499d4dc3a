"""Encoding stems: WAV (16/24-bit, float), FLAC and MP3, to paths, file objects and bytes."""

import io

import numpy as np
import pytest
import soundfile as sf

from separation.audio import encode_audio, read_audio, resample, write_audio
from separation.errors import InvalidOptions, SeparationError
from tests.separation.audio_factories import peak_frequency, steady_peak, tone

RATE = 44100

# wav_depth -> (libsndfile subtype, largest round-trip error for values in [-1, 1)).
WAV_DEPTHS = {
    "16": ("PCM_16", 1 / 32768),
    "24": ("PCM_24", 1 / 8388608),
    "float": ("FLOAT", 0.0),
}


def stem(seconds: float = 1.0, *, rate: int = RATE, channels: int = 2) -> np.ndarray:
    """A (channels, n) float32 stem, as the engine hands it to the writer."""
    return np.ascontiguousarray(tone(1000, seconds, rate=rate, channels=channels).T, np.float32)


def ramp(n: int = 4096) -> np.ndarray:
    """(2, n) float32 covering [-1, 1) evenly, left rising and right falling."""
    left = np.linspace(-1.0, 1.0, n, endpoint=False, dtype=np.float32)
    return np.stack([left, -left[::-1]])


def decode(data: bytes) -> tuple[np.ndarray, int, sf._SoundFileInfo]:
    samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    return samples.T, rate, sf.info(io.BytesIO(data))


@pytest.mark.parametrize("depth", WAV_DEPTHS)
def test_it_writes_wav_at_each_depth_and_the_values_round_trip(depth, tmp_path):
    subtype, step = WAV_DEPTHS[depth]
    target = tmp_path / "vocals.wav"
    original = ramp()

    write_audio(target, original, RATE, "wav", wav_depth=depth)

    info = sf.info(target)
    assert (info.format, info.subtype) == ("WAV", subtype)
    assert (info.samplerate, info.channels, info.frames) == (RATE, 2, original.shape[1])
    decoded, _ = sf.read(target, dtype="float32", always_2d=True)
    np.testing.assert_allclose(decoded.T, original, rtol=0, atol=step)


def test_it_writes_16_bit_wav_by_default():
    _, _, info = decode(encode_audio(stem(0.1), RATE))

    assert (info.format, info.subtype) == ("WAV", "PCM_16")


@pytest.mark.parametrize(("depth", "subtype"), [("16", "PCM_16"), ("24", "PCM_24")])
def test_it_writes_flac_losslessly_at_the_chosen_depth(depth, subtype, tmp_path):
    target = tmp_path / "drums.flac"
    original = ramp()

    write_audio(target, original, RATE, "flac", wav_depth=depth)

    info = sf.info(target)
    assert (info.format, info.subtype, info.samplerate, info.channels) == (
        "FLAC",
        subtype,
        RATE,
        2,
    )
    decoded, _ = sf.read(target, dtype="float32", always_2d=True)
    np.testing.assert_allclose(decoded.T, original, rtol=0, atol=WAV_DEPTHS[depth][1])


def test_it_writes_flac_of_a_float_stem_at_24_bits():
    _, _, info = decode(encode_audio(stem(0.1), RATE, "flac", wav_depth="float"))

    assert (info.format, info.subtype) == ("FLAC", "PCM_24")


@pytest.mark.parametrize("depth", ["16", "24"])
def test_it_clips_out_of_range_samples_instead_of_wrapping_around(depth):
    loud = np.array([[1.5, -1.5, 0.5, 4.0], [-3.0, 2.0, -0.5, 1.0]], dtype=np.float32)

    decoded, _, _ = decode(encode_audio(loud, RATE, "wav", wav_depth=depth))

    expected = np.clip(loud, -1.0, 1.0)
    np.testing.assert_allclose(decoded, expected, atol=1 / 32768)


@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_it_writes_mp3_that_decodes_to_the_same_tone_rate_and_length(rate, tmp_path):
    target = tmp_path / "bass.mp3"
    original = stem(2.0, rate=rate)

    write_audio(target, original, rate, "mp3")

    info = sf.info(target)
    # MP3 cannot store 96 kHz; the writer falls back to 44.1 kHz.
    expected_rate = 44100 if rate == 96000 else rate
    assert (info.format, info.subtype) == ("MP3", "MPEG_LAYER_III")
    assert (info.samplerate, info.channels) == (expected_rate, 2)
    decoded, decoded_rate = sf.read(target, dtype="float32", always_2d=True)
    assert decoded_rate == expected_rate
    assert len(decoded) / decoded_rate == pytest.approx(2.0, abs=0.1)
    for channel in decoded.T:
        assert peak_frequency(channel, decoded_rate) == pytest.approx(1000, abs=3)
    assert steady_peak(decoded.T, decoded_rate) == pytest.approx(0.5, rel=0.1)


@pytest.mark.parametrize("rate", [22050, 32000, 48000])
def test_it_keeps_mp3_sample_rates_that_mp3_supports(rate):
    _, decoded_rate, info = decode(encode_audio(stem(0.5, rate=rate), rate, "mp3"))

    assert decoded_rate == info.samplerate == rate


@pytest.mark.parametrize("rate", [96000, 192000, 88200, 16001])
def test_it_resamples_mp3_at_rates_mp3_cannot_store_to_44k1(rate):
    decoded, decoded_rate, _ = decode(encode_audio(stem(1.0, rate=rate), rate, "mp3"))

    assert decoded_rate == 44100
    assert decoded.shape[1] / 44100 == pytest.approx(1.0, abs=0.1)
    assert peak_frequency(decoded[0], 44100) == pytest.approx(1000, abs=3)


def test_it_writes_a_mono_stem_as_mono_mp3():
    decoded, _, info = decode(encode_audio(stem(1.0, channels=1), RATE, "mp3"))

    assert info.channels == 1
    assert decoded.shape[0] == 1


def test_it_makes_smaller_mp3s_at_lower_bitrates():
    audio = stem(2.0)

    sizes = [len(encode_audio(audio, RATE, "mp3", mp3_bitrate=kbps)) for kbps in (64, 128, 320)]

    assert sizes == sorted(sizes) and len(set(sizes)) == 3
    # A constant bitrate sets the size: 2 s at 128 kb/s is about 32 kB.
    assert sizes[1] == pytest.approx(2.0 * 128_000 / 8, rel=0.1)


def test_it_clips_loud_stems_in_mp3_rather_than_failing():
    loud = stem(1.0) * 4

    decoded, _, _ = decode(encode_audio(loud, RATE, "mp3"))

    assert np.isfinite(decoded).all()
    assert np.abs(decoded).max() <= 1.2  # clipped to full scale, plus codec overshoot


@pytest.mark.parametrize(
    ("fmt", "kwargs"),
    [
        ("wav", {"wav_depth": "16"}),
        ("wav", {"wav_depth": "24"}),
        ("wav", {"wav_depth": "float"}),
        ("flac", {}),
        ("mp3", {"mp3_bitrate": 192}),
    ],
)
def test_encode_audio_returns_the_same_bytes_write_audio_writes(fmt, kwargs, tmp_path):
    audio = stem(0.5)
    target = tmp_path / f"stem.{fmt}"

    data = encode_audio(audio, RATE, fmt, **kwargs)
    write_audio(target, audio, RATE, fmt, **kwargs)

    assert isinstance(data, bytes)
    assert data == target.read_bytes()


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_it_writes_to_a_binary_file_object(fmt):
    buffer = io.BytesIO()

    write_audio(buffer, stem(0.5), RATE, fmt)

    assert buffer.getvalue() == encode_audio(stem(0.5), RATE, fmt)


@pytest.mark.parametrize(
    ("fmt", "start"),
    [("wav", b"RIFF"), ("flac", b"fLaC")],
)
def test_encoded_bytes_start_with_the_format_signature(fmt, start):
    assert encode_audio(stem(0.1), RATE, fmt).startswith(start)


def test_encoded_mp3_bytes_start_with_an_mpeg_frame_or_id3_tag():
    data = encode_audio(stem(0.1), RATE, "mp3")

    assert data.startswith(b"ID3") or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


@pytest.mark.parametrize("fmt", ["wav", "flac"])
@pytest.mark.parametrize("rate", [48000, 96000, 22050])
def test_it_writes_lossless_stems_at_the_rate_it_is_given(fmt, rate):
    decoded, decoded_rate, info = decode(encode_audio(stem(0.5, rate=rate), rate, fmt))

    assert decoded_rate == info.samplerate == rate
    assert decoded.shape == (2, rate // 2)


@pytest.mark.parametrize("fmt", ["wav", "flac", "mp3"])
def test_what_it_writes_reads_back_through_read_audio(fmt):
    audio = read_audio(io.BytesIO(encode_audio(stem(1.0, rate=48000), 48000, fmt)))

    assert audio.samples.shape[0] == 2
    assert audio.sample_rate == RATE
    assert audio.duration == pytest.approx(1.0, abs=0.1)
    assert peak_frequency(audio.samples[0], RATE) == pytest.approx(1000, abs=3)


@pytest.mark.parametrize(
    ("fmt", "kwargs", "pattern"),
    [
        ("ogg", {}, r"^Unknown output format 'ogg'; use wav, flac, mp3\.$"),
        ("WAV", {}, r"Unknown output format 'WAV'"),
        ("", {}, r"Unknown output format ''"),
        ("wav", {"wav_depth": "32"}, r"^WAV depth must be one of 16, 24, float\.$"),
        ("wav", {"wav_depth": "8"}, r"WAV depth must be one of"),
    ],
)
def test_it_refuses_unknown_formats_and_depths_with_invalid_options(fmt, kwargs, pattern):
    for call in (
        lambda: encode_audio(stem(0.1), RATE, fmt, **kwargs),
        lambda: write_audio(io.BytesIO(), stem(0.1), RATE, fmt, **kwargs),
    ):
        with pytest.raises(InvalidOptions, match=pattern) as caught:
            call()
        assert isinstance(caught.value, SeparationError)
        assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("frames", [1000, 44100, 44101, 12345])
@pytest.mark.parametrize(("up", "down"), [(44100, 48000), (44100, 96000), (48000, 44100)])
def test_resample_round_trips_to_the_original_length(frames, up, down):
    original = np.random.default_rng(frames).uniform(-0.5, 0.5, (2, frames)).astype(np.float32)

    there = resample(original, up, down)
    back = resample(there, down, up)

    assert there.shape == (2, round(frames * down / up))
    assert back.shape == original.shape
    assert there.dtype == back.dtype == np.float32
    assert there.flags.c_contiguous and back.flags.c_contiguous


def test_resample_round_trip_keeps_a_tone_intact():
    original = stem(1.0)

    back = resample(resample(original, RATE, 48000), 48000, RATE)

    middle = slice(RATE // 10, -RATE // 10)
    np.testing.assert_allclose(back[:, middle], original[:, middle], atol=1e-3)


def test_resample_returns_the_input_when_the_rates_match():
    original = stem(0.1)

    assert resample(original, RATE, RATE) is original


def test_resample_keeps_the_channel_count():
    mono = stem(0.5, channels=1)
    five = np.repeat(mono, 5, axis=0)

    assert resample(mono, RATE, 22050).shape == (1, 11025)
    assert resample(five, RATE, 22050).shape == (5, 11025)


def test_mp3s_are_encoded_at_lames_default_quality_not_the_slower_high_setting(monkeypatch):
    import lameenc

    qualities = []
    real = lameenc.Encoder

    class Spy:
        """The real encoder, noting the quality it is asked for."""

        def __init__(self) -> None:
            self.encoder = real()

        def set_quality(self, quality: int) -> None:
            qualities.append(quality)
            self.encoder.set_quality(quality)

        def __getattr__(self, name: str):
            return getattr(self.encoder, name)

    monkeypatch.setattr(lameenc, "Encoder", Spy)

    data = encode_audio(stem(0.2), RATE, "mp3", mp3_bitrate=160)

    assert qualities == [3]
    assert decode(data)[0].shape[1] >= int(0.2 * RATE)
