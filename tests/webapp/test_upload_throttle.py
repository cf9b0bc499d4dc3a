"""POST /api/v1/jobs is limited per user (STEMWORKS_UPLOAD_THROTTLE_RATE): 429 with Retry-After."""

import pytest

from tests.factories import wav_upload
from webapp.jobs.models import Job

URL = "/api/v1/jobs"


@pytest.fixture(autouse=True)
def enqueued(monkeypatch):
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)


def upload(client):
    return client.post(URL, {"file": wav_upload(), "kind": "preview"}, format="multipart")


def test_too_many_uploads_get_429_with_retry_after(owner_api, settings):
    settings.STEMWORKS_UPLOAD_THROTTLE_RATE = "2/hour"

    statuses = [upload(owner_api).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    response = upload(owner_api)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert "available in" in response.json()["detail"]
    assert Job.objects.count() == 2


def test_listing_jobs_is_not_counted_as_uploading(owner_api, settings):
    settings.STEMWORKS_UPLOAD_THROTTLE_RATE = "1/hour"
    for _ in range(3):
        assert owner_api.get(URL).status_code == 200

    assert upload(owner_api).status_code == 201


def test_each_user_has_their_own_upload_budget(owner_api, other_api, other_user, settings):
    settings.STEMWORKS_UPLOAD_THROTTLE_RATE = "1/hour"
    upload(owner_api)

    assert upload(owner_api).status_code == 429
    assert upload(other_api).status_code != 429
