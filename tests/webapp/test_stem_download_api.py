"""GET /api/v1/jobs/{id}/stems/{name}?format=...: stems with HTTP Range support."""

import io

import numpy as np
import pytest
import soundfile as sf
from django.urls import reverse

from separation import audio
from tests.factories import JobFactory, StemFactory, succeeded_job


def url(job, name="vocals") -> str:
    return reverse("jobs:stem", args=[job.id, name])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_it_streams_the_stored_wav(owner_api, owner):
    job = succeeded_job(owner)
    stored = job.stems.get(name="vocals").file.read()

    response = owner_api.get(url(job))

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Accept-Ranges"] == "bytes"
    assert int(response["Content-Length"]) == len(stored)
    assert body(response) == stored


def test_it_answers_a_range_request_with_206_and_those_bytes(owner_api, owner):
    job = succeeded_job(owner)
    stored = job.stems.get(name="vocals").file.read()

    response = owner_api.get(url(job), HTTP_RANGE="bytes=100-199")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(stored)}"
    assert body(response) == stored[100:200]


def test_it_answers_an_open_ended_and_a_suffix_range(owner_api, owner):
    job = succeeded_job(owner)
    stored = job.stems.get(name="vocals").file.read()

    assert body(owner_api.get(url(job), HTTP_RANGE="bytes=1000-")) == stored[1000:]
    assert body(owner_api.get(url(job), HTTP_RANGE="bytes=-10")) == stored[-10:]


def test_it_returns_416_for_a_range_past_the_end(owner_api, owner):
    job = succeeded_job(owner)
    size = job.stems.get(name="vocals").size

    response = owner_api.get(url(job), HTTP_RANGE=f"bytes={size + 10}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_it_converts_to_flac_losslessly(owner_api, owner):
    job = succeeded_job(owner)
    wav, _ = sf.read(io.BytesIO(job.stems.get(name="vocals").file.read()), dtype="int16")

    response = owner_api.get(url(job), {"format": "flac"})

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/flac"
    flac, rate = sf.read(io.BytesIO(body(response)), dtype="int16")
    assert rate == 44100
    np.testing.assert_array_equal(flac, wav)


def test_it_converts_to_mp3_of_about_the_same_length(owner_api, owner):
    job = succeeded_job(owner, seconds=2.0)

    response = owner_api.get(url(job), {"format": "mp3"})

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/mpeg"
    decoded = audio.read_audio(io.BytesIO(body(response)))
    assert abs(decoded.duration - 2.0) < 0.1


def test_it_returns_400_for_an_unknown_format(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.get(url(job), {"format": "ogg"})

    assert response.status_code == 400
    assert "format" in response.json()


def test_it_returns_404_for_a_stem_the_job_does_not_have(owner_api, owner):
    assert owner_api.get(url(succeeded_job(owner), "drums")).status_code == 404


def test_it_returns_409_while_the_job_has_not_succeeded(owner_api, owner):
    job = JobFactory(owner=owner, status="running")
    StemFactory(job=job)

    assert owner_api.get(url(job)).status_code == 409


def test_it_returns_404_for_another_users_job(other_api, owner):
    assert other_api.get(url(succeeded_job(owner))).status_code == 404


def test_it_returns_401_without_credentials(anonymous_api, owner):
    assert anonymous_api.get(url(succeeded_job(owner))).status_code == 401


@pytest.mark.parametrize("status", ["queued", "running", "cancelled", "failed"])
def test_it_answers_409_for_a_job_without_stems(owner_api, owner, status):
    job = JobFactory(owner=owner, status=status)

    response = owner_api.get(url(job))

    assert response.status_code == 409
    assert response.json() == {"detail": f"The job has no stems: it is {status}."}


def test_it_answers_404_for_a_stem_name_the_job_does_not_have(owner_api, owner):
    job = succeeded_job(owner)

    assert owner_api.get(url(job, name="drums")).status_code == 404


def test_it_answers_404_for_another_users_job_whatever_its_state(other_api, owner):
    assert other_api.get(url(JobFactory(owner=owner))).status_code == 404
    assert other_api.get(url(succeeded_job(owner))).status_code == 404
