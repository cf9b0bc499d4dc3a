"""POST /api/v1/jobs: upload a song and queue its separation."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import wav_bytes, wav_upload
from webapp.jobs.models import Job, PreviewUse, Status

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


def test_a_full_job_takes_its_cost_from_the_balance(owner_api, owner, enqueued):
    from webapp.billing.models import CreditTransaction
    from webapp.billing.selectors import credits_balance

    body = post(owner_api, file=wav_upload(seconds=61)).json()

    assert body["cost"] == 2
    assert credits_balance(user=owner) == 98
    charge = CreditTransaction.objects.get(kind="charge")
    assert (charge.amount, charge.reference) == (-2, f"job:{body['id']}")


def test_a_model_can_cost_more_per_minute(owner_api, owner, settings, enqueued):
    settings.STEMWORKS_MODEL_CREDITS_PER_MINUTE = {"htdemucs": 3}

    body = post(owner_api, model="htdemucs", file=wav_upload(seconds=61)).json()

    assert body["cost"] == 6


def test_it_returns_402_with_what_is_missing_when_the_balance_is_short(other_api, other_user):
    from tests.factories import paying_user

    paying_user(other_user, credits=1)

    response = post(other_api, file=wav_upload(seconds=61))

    assert response.status_code == 402
    body = response.json()
    assert (body["required"], body["balance"], body["missing"]) == (2, 1, 1)
    assert "buy at least 1 more" in body["detail"]
    assert Job.objects.count() == 0


def test_a_refused_job_leaves_no_stored_upload(other_api, other_user, media_root):
    from tests.factories import paying_user

    paying_user(other_user, credits=0)

    assert post(other_api).status_code == 402
    assert not list(media_root.rglob("*.wav"))


def test_it_returns_403_for_a_paid_job_before_the_email_is_verified(other_api, other_user):
    from webapp.billing.services import credits_grant

    credits_grant(user=other_user, amount=50, reason="gift")

    response = post(other_api)

    assert response.status_code == 403
    assert "Verify your e-mail" in response.json()["detail"]
    assert Job.objects.count() == 0


def test_a_preview_needs_neither_credits_nor_a_verified_email(other_api, enqueued):
    response = post(other_api, kind="preview")

    assert response.status_code == 201
    assert response.json()["cost"] == 0


def test_it_returns_429_past_the_daily_preview_limit(other_api, settings, enqueued):
    settings.STEMWORKS_PREVIEWS_PER_DAY = 2

    statuses = [post(other_api, kind="preview").status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    response = post(other_api, kind="preview")
    assert "2 free previews" in response.json()["detail"]
    # The first preview frees up 24 hours after it was taken.
    assert 24 * 3600 - 60 <= int(response["Retry-After"]) <= 24 * 3600 + 1
    assert response.json()["retry_after"] == int(response["Retry-After"])
    assert Job.objects.filter(kind="preview").count() == 2


def test_previews_older_than_a_day_do_not_count(other_api, other_user, settings, enqueued):
    from datetime import timedelta

    from django.utils import timezone

    settings.STEMWORKS_PREVIEWS_PER_DAY = 1
    assert post(other_api, kind="preview").status_code == 201
    PreviewUse.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))

    assert post(other_api, kind="preview").status_code == 201


def test_a_preview_can_start_where_the_user_picks(owner_api, settings, enqueued):
    settings.STEMWORKS_PREVIEW_SECONDS = 1

    body = post(owner_api, kind="preview", preview_start=1.5, file=wav_upload(seconds=3)).json()

    assert body["preview_start"] == 1.5
    assert body["duration"] == pytest.approx(1.0)
    assert body["input_duration"] == pytest.approx(3.0)


def test_a_preview_starting_near_the_end_moves_back_to_be_full_length(
    owner_api, settings, enqueued
):
    settings.STEMWORKS_PREVIEW_SECONDS = 1

    body = post(owner_api, kind="preview", preview_start=2.99, file=wav_upload(seconds=3)).json()

    assert body["preview_start"] == pytest.approx(2.0)
    assert body["duration"] == pytest.approx(1.0)


def test_a_preview_of_a_song_shorter_than_a_preview_is_the_whole_song(
    owner_api, settings, enqueued
):
    settings.STEMWORKS_PREVIEW_SECONDS = 30

    body = post(owner_api, kind="preview", preview_start=2, file=wav_upload(seconds=3)).json()

    assert body["preview_start"] == 0
    assert body["duration"] == pytest.approx(3.0)


def test_it_returns_400_for_a_preview_start_past_the_end(owner_api, enqueued):
    response = post(owner_api, kind="preview", preview_start=9, file=wav_upload(seconds=3))

    assert response.status_code == 400
    assert "between 0 and 3.0 seconds" in response.json()["preview_start"][0]


def test_it_returns_400_for_a_start_time_on_a_full_job(owner_api, enqueued):
    response = post(owner_api, kind="full", preview_start=1)

    assert response.status_code == 400
    assert "only to a preview" in response.json()["preview_start"][0]


def test_a_full_job_reuses_the_upload_of_a_preview(owner_api, owner, enqueued, media_root):
    preview = post(owner_api, kind="preview", file=wav_upload(seconds=3)).json()

    response = owner_api.post(
        URL, {"source_job": preview["id"], "kind": "full", "target": "vocals"}, format="multipart"
    )

    assert response.status_code == 201
    full = Job.objects.get(id=response.json()["id"])
    source = Job.objects.get(id=preview["id"])
    assert full.input_file.name == source.input_file.name
    assert full.source_job == source
    assert (full.duration, full.original_name) == (pytest.approx(3.0), "song.wav")
    assert len(list(media_root.rglob("input*"))) == 1


def test_it_returns_400_for_a_source_job_of_another_user(owner_api, other_user, enqueued):
    from tests.factories import JobFactory

    theirs = JobFactory(owner=other_user)

    response = owner_api.post(URL, {"source_job": str(theirs.id)}, format="multipart")

    assert response.status_code == 400
    assert "no job with this id" in response.json()["source_job"][0]


def test_it_returns_400_for_both_a_file_and_a_source_job(owner_api, owner, enqueued):
    from tests.factories import JobFactory

    mine = JobFactory(owner=owner)

    response = post(owner_api, source_job=str(mine.id))

    assert response.status_code == 400
    assert "either a file or source_job" in response.json()["file"][0]


def test_a_full_job_from_a_preview_keeps_its_model_and_target_unless_told(owner_api, enqueued):
    preview = post(owner_api, kind="preview", model="htdemucs", target="drums").json()

    same = owner_api.post(URL, {"source_job": preview["id"]}, format="multipart").json()
    other = owner_api.post(
        URL, {"source_job": preview["id"], "model": "unet-2stems"}, format="multipart"
    ).json()

    assert (same["model"], same["target"], same["kind"]) == ("htdemucs", "drums", "full")
    assert (other["model"], other["target"]) == ("unet-2stems", "all")


def test_it_returns_400_when_the_source_jobs_upload_was_deleted(owner_api, owner, enqueued):
    from django.utils import timezone

    from tests.factories import JobFactory

    purged = JobFactory(owner=owner, input_file="", purged_at=timezone.now())

    response = owner_api.post(URL, {"source_job": str(purged.id)}, format="multipart")

    assert response.status_code == 400
    assert "upload the song again" in response.json()["source_job"][0]


def test_deleting_previews_does_not_give_them_back(other_api, settings, enqueued):
    settings.STEMWORKS_PREVIEWS_PER_DAY = 1
    first = post(other_api, kind="preview").json()

    assert other_api.delete(f"{URL}/{first['id']}").status_code == 204
    assert post(other_api, kind="preview").status_code == 429
