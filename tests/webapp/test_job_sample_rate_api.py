"""The `sample_rate` option of POST /api/v1/jobs: 44.1 kHz stems by default, or the input's rate."""

import pytest
from django.urls import reverse

from tests.factories import wav_upload
from webapp.jobs.models import Job, SampleRate

URL = reverse("jobs:list")


@pytest.fixture(autouse=True)
def enqueued(monkeypatch):
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)


def post(client, **data):
    data.setdefault("file", wav_upload(rate=48000))
    return client.post(URL, data, format="multipart")


def test_stems_are_44k1_unless_asked(owner_api):
    response = post(owner_api)

    assert response.status_code == 201
    assert response.json()["sample_rate"] == "44100"
    assert Job.objects.get(id=response.json()["id"]).sample_rate == SampleRate.DEFAULT


def test_a_job_can_keep_the_inputs_rate(owner_api):
    response = post(owner_api, sample_rate="input")

    assert response.status_code == 201
    assert response.json()["sample_rate"] == "input"
    assert Job.objects.get(id=response.json()["id"]).sample_rate == SampleRate.INPUT


@pytest.mark.parametrize("value", ["48000", "22050", "keep"])
def test_other_rates_are_refused_with_a_reason(owner_api, value):
    response = post(owner_api, sample_rate=value)

    assert response.status_code == 400
    assert "sample_rate" in response.json()
    assert not Job.objects.exists()


def test_a_full_job_from_a_preview_keeps_its_rate_unless_told_otherwise(owner_api):
    preview = post(owner_api, kind="preview", sample_rate="input").json()

    same = owner_api.post(URL, {"source_job": preview["id"]}, format="multipart").json()
    told = owner_api.post(
        URL, {"source_job": preview["id"], "sample_rate": "44100"}, format="multipart"
    ).json()

    assert (same["sample_rate"], told["sample_rate"]) == ("input", "44100")
