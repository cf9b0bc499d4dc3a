"""A free preview separates one excerpt: the most energetic window, or where the user asked."""

import io

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile

from tests.factories import JobFactory
from webapp.jobs.models import Job
from workers.excerpt import most_energetic_start
from workers.tasks import separate_job

RATE = 1000


def quiet_with_loud_part(
    seconds: int, loud_from: int, loud_to: int, *, rate: int = RATE
) -> np.ndarray:
    samples = np.full((2, seconds * rate), 0.01, dtype=np.float32)
    samples[:, loud_from * rate : loud_to * rate] = 0.5
    return samples


def test_it_picks_the_window_with_the_most_energy():
    samples = quiet_with_loud_part(100, 60, 75)

    assert most_energetic_start(samples, RATE, 15) == 60.0


def test_a_song_shorter_than_the_window_starts_at_zero():
    assert most_energetic_start(quiet_with_loud_part(5, 1, 2), RATE, 30) == 0.0


def test_the_window_always_fits_inside_the_song():
    samples = quiet_with_loud_part(40, 35, 40)

    assert most_energetic_start(samples, RATE, 10) == 30.0


def song_file(samples: np.ndarray, rate: int) -> ContentFile:
    buffer = io.BytesIO()
    sf.write(buffer, samples.T, rate, format="WAV", subtype="FLOAT")
    return ContentFile(buffer.getvalue(), name="song.wav")


def test_the_worker_separates_the_loudest_excerpt_and_records_where_it_starts(
    owner, fake_separator, settings
):
    settings.STEMWORKS_PREVIEW_SECONDS = 2
    job = JobFactory(owner=owner, kind="preview", duration=2, input_duration=8)
    job.input_file.save("song.wav", song_file(quiet_with_loud_part(8, 5, 7, rate=8000), 8000))

    assert separate_job.apply(args=[str(job.id)]).get() == "succeeded"

    job = Job.objects.get(id=job.id)
    assert job.preview_start == 5.0
    assert [stem.duration for stem in job.stems.all()] == [pytest.approx(2.0)] * 2


def test_the_worker_uses_the_start_the_user_picked(owner, fake_separator, settings):
    settings.STEMWORKS_PREVIEW_SECONDS = 2
    job = JobFactory(owner=owner, kind="preview", duration=1, input_duration=8, preview_start=7)
    job.input_file.save("song.wav", song_file(quiet_with_loud_part(8, 1, 3, rate=8000), 8000))

    separate_job.apply(args=[str(job.id)]).get()

    job = Job.objects.get(id=job.id)
    assert job.preview_start == 7.0
    assert [stem.duration for stem in job.stems.all()] == [pytest.approx(1.0)] * 2
