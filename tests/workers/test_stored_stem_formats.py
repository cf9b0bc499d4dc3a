"""The worker stores each stem once in every format, at the job's sample rate, never clipped."""

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile

from tests.factories import JobFactory, wav_bytes
from tests.workers.fakes import FakeSeparator
from webapp.jobs.models import Job, SampleRate
from workers.tasks import separate_job


class LoudSeparator(FakeSeparator):
    """Stems far above full scale, as a decoded MP3 or a model can give; vocals twice as loud."""

    def stems(self, part, names):
        stems = super().stems(part, names)
        return {name: stem * (16 if name == "vocals" else 8) for name, stem in stems.items()}


def run(job: Job) -> Job:
    assert separate_job.apply(args=[str(job.id)]).get() == "succeeded"
    return Job.objects.get(id=job.id)


def job_with_input(owner, *, seconds=1.0, rate=44100, channels=2, **fields) -> Job:
    job = JobFactory(owner=owner, duration=seconds, **fields)
    data = wav_bytes(seconds, rate=rate, channels=channels)
    job.input_file.save("song.wav", ContentFile(data))
    return job


def info(job: Job, fmt: str, name: str = "vocals"):
    row = job.stems.get(name=name).files.get(format=fmt)
    return row, sf.info(row.file.path)


def samples(job: Job, fmt: str, name: str = "vocals") -> np.ndarray:
    row = job.stems.get(name=name).files.get(format=fmt)
    return sf.read(row.file.path, dtype="float32", always_2d=True)[0].T


def test_every_format_is_stored_as_the_docs_say(owner, fake_separator):
    job = run(job_with_input(owner, seconds=2.0))

    expected = {
        "wav": ("WAV", "FLOAT", 44100),
        "flac": ("FLAC", "PCM_24", 44100),
        "mp3": ("MP3", "MPEG_LAYER_III", 44100),
        "listen": ("MP3", "MPEG_LAYER_III", 44100),
    }
    for fmt, (container, subtype, rate) in expected.items():
        row, found = info(job, fmt)
        assert (found.format, found.subtype, found.samplerate, found.channels) == (
            container,
            subtype,
            rate,
            2,
        )
        assert found.duration == pytest.approx(2.0, abs=0.1)
        assert row.size == row.file.size and row.sample_rate == rate
    # Constant bitrates: 320 kb/s to download, 160 kb/s to listen.
    assert info(job, "mp3")[0].size == pytest.approx(2.0 * 320_000 / 8, rel=0.1)
    assert info(job, "listen")[0].size == pytest.approx(2.0 * 160_000 / 8, rel=0.1)
    assert info(job, "listen")[0].file.name.endswith("/vocals.listen.mp3")


def test_the_flac_holds_the_same_audio_as_the_float_wav(owner, fake_separator):
    job = run(job_with_input(owner))

    np.testing.assert_allclose(samples(job, "flac"), samples(job, "wav"), atol=2**-22)


def test_loud_stems_get_one_common_gain_in_integer_and_lossy_copies(owner, monkeypatch):
    monkeypatch.setattr("workers.pipeline.get_separator", LoudSeparator)

    job = run(job_with_input(owner))

    wav = {name: samples(job, "wav", name) for name in ("vocals", "accompaniment")}
    flac = {name: samples(job, "flac", name) for name in ("vocals", "accompaniment")}
    peak = max(float(np.abs(stem).max()) for stem in wav.values())
    assert peak > 1.5  # the float WAV keeps the stems exactly, above full scale
    for name in wav:
        # The same factor for both stems, so their balance (2:1 here) is kept.
        np.testing.assert_allclose(flac[name], wav[name] * 0.999 / peak, atol=2**-22)
    assert float(np.abs(flac["vocals"]).max()) == pytest.approx(0.999, abs=1e-4)
    for fmt in ("mp3", "listen"):
        decoded = samples(job, fmt)
        assert float(np.abs(decoded).max()) < 1.05  # scaled, not clipped into a square
        assert float(np.abs(decoded).max()) > 0.9


def test_integer_wavs_take_the_common_gain_too(owner, monkeypatch, settings):
    settings.STEMWORKS_STEM_WAV_DEPTH = "16"
    monkeypatch.setattr("workers.pipeline.get_separator", LoudSeparator)

    job = run(job_with_input(owner))

    assert info(job, "wav")[1].subtype == "PCM_16"
    np.testing.assert_allclose(samples(job, "wav"), samples(job, "flac"), atol=2**-14)


def test_stems_are_44k1_stereo_by_default_whatever_went_in(owner, fake_separator):
    job = run(job_with_input(owner, rate=8000, channels=1))

    stem = job.stems.get(name="vocals")
    assert stem.sample_rate == 44100
    for fmt in ("wav", "flac", "mp3", "listen"):
        _, found = info(job, fmt)
        assert (found.samplerate, found.channels) == (44100, 2)
        assert found.duration == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(
    ("rate", "mp3_rate"),
    [(48000, 48000), (8000, 8000), (96000, 44100)],
)
def test_the_input_rate_option_keeps_the_songs_rate(owner, fake_separator, rate, mp3_rate):
    job = run(job_with_input(owner, rate=rate, sample_rate=SampleRate.INPUT))

    stem = job.stems.get(name="vocals")
    assert stem.sample_rate == rate
    assert stem.duration == pytest.approx(1.0, abs=0.01)
    expected = {"wav": rate, "flac": rate, "mp3": mp3_rate, "listen": 44100}
    for fmt, expected_rate in expected.items():
        row, found = info(job, fmt)
        assert found.samplerate == row.sample_rate == expected_rate, fmt
        assert found.channels == 2
        # MP3 adds the encoder's delay and padding: a few frames, longer at low rates.
        assert found.duration == pytest.approx(1.0, abs=0.2 if row.format != "wav" else 1e-3)
    # The song came back at its own rate: the tone (a quarter of full scale, split in two).
    assert float(np.abs(samples(job, "wav")).max()) == pytest.approx(0.125, rel=0.05)
