"""POST /api/v1/jobs: upload a song and queue its separation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import wav_bytes, wav_upload
from webapp.jobs.models import Job, Status

URL = reverse("jobs:list")


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: calls.append(kw))
    return calls


def post(client, **data):
    data.setdefault("file", wav_upload())
    return client.post(URL, data, format="multipart")


def test_it_creates_a_queued_job_and_stores_the_upload(owner_api, owner, enqueued):
    response = post(owner_api, model="unet-2stems", target="vocals", kind="full")

    assert response.status_code == 201
    body = response.json()
    job = Job.objects.get(id=body["id"])
    assert job.owner == owner
    assert job.status == Status.QUEUED == body["status"]
    assert (job.model, job.target, job.kind) == ("unet-2stems", "vocals", "full")
    assert job.original_name == "song.wav"
    assert job.duration == pytest.approx(1.0)
    assert job.cost == 1
    assert job.input_file.read() == wav_bytes()


def test_it_enqueues_the_job_id_only_after_commit(
    owner_api, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(owner_api)

    assert response.status_code == 201
    assert enqueued == [{"job_id": Job.objects.get().id, "duration": pytest.approx(1.0)}]


def test_it_uses_the_default_model_and_target(owner_api, enqueued):
    body = post(owner_api).json()

    assert (body["model"], body["target"], body["kind"]) == ("unet-2stems", "all", "full")


def test_a_preview_is_free_and_at_most_the_preview_length(owner_api, settings, enqueued):
    settings.STEMWORKS_PREVIEW_SECONDS = 0.5

    body = post(owner_api, kind="preview").json()

    assert body["kind"] == "preview"
    assert body["cost"] == 0
    assert body["duration"] == pytest.approx(0.5)


def test_it_returns_401_without_credentials(anonymous_api, db):
    response = post(anonymous_api)

    assert response.status_code == 401
    assert Job.objects.count() == 0


def test_it_returns_400_without_a_file(owner_api):
    response = owner_api.post(URL, {"model": "unet-2stems"}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()


def test_it_returns_400_for_a_file_that_is_not_audio(owner_api):
    junk = SimpleUploadedFile("song.wav", b"this is not audio at all" * 100)

    response = post(owner_api, file=junk)

    assert response.status_code == 400
    assert response.json()["file"][0]
    assert Job.objects.count() == 0


def test_it_returns_400_for_an_empty_file(owner_api):
    response = post(owner_api, file=SimpleUploadedFile("song.wav", b""))

    assert response.status_code == 400
    assert "empty" in response.json()["file"][0].lower()


def test_it_returns_400_for_an_unknown_model(owner_api):
    response = post(owner_api, model="nope")

    assert response.status_code == 400
    assert "model" in response.json()


def test_it_returns_400_for_a_target_the_model_does_not_have(owner_api):
    response = post(owner_api, model="unet-2stems", target="drums")

    assert response.status_code == 400
    assert "drums" in response.json()["target"][0]


def test_it_returns_400_for_an_unknown_kind(owner_api):
    response = post(owner_api, kind="huge")

    assert response.status_code == 400
    assert "kind" in response.json()


def test_it_returns_400_for_a_song_longer_than_the_limit(owner_api, settings):
    settings.STEMWORKS_MAX_DURATION_S = 1

    response = post(owner_api, file=wav_upload(seconds=3))

    assert response.status_code == 400
    assert "maximum" in response.json()["file"][0]
    assert Job.objects.count() == 0


def test_it_returns_400_for_a_file_over_the_size_limit_while_streaming(owner_api, settings):
    settings.STEMWORKS_MAX_UPLOAD_BYTES = 1024 * 1024

    response = post(owner_api, file=wav_upload(seconds=12))  # ~2 MB

    assert response.status_code == 400
    assert "1 MB limit" in response.json()["file"][0]
    assert Job.objects.count() == 0


def test_it_accepts_session_auth_with_a_csrf_token(owner, enqueued):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(owner)
    assert post(client).status_code == 403  # no CSRF token

    client.get("/api/auth/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(URL, {"file": wav_upload()}, format="multipart", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201
