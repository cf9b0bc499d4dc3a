"""A free preview separates one excerpt: the most energetic window, or where the user asked.

How the window is picked is tested in tests/separation/test_excerpt.py.
"""

import io

import numpy as np
import pytest
import soundfile as sf
from django.core.files.base import ContentFile

from tests.factories import JobFactory
from webapp.jobs.models import Job
from workers.tasks import separate_job

RATE = 1000


def quiet_with_loud_part(
    seconds: int, loud_from: int, loud_to: int, *, rate: int = RATE
) -> np.ndarray:
    samples = np.full((2, seconds * rate), 0.01, dtype=np.float32)
    samples[:, loud_from * rate : loud_to * rate] = 0.5
    return samples


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
