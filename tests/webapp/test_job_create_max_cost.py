"""POST /api/v1/jobs with max_cost: a job that costs more than agreed is refused, uncharged."""

import pytest
from django.urls import reverse

from tests.factories import JobFactory, wav_upload
from webapp.billing.models import CreditTransaction
from webapp.billing.selectors import credits_balance
from webapp.jobs.models import Job, Kind

URL = reverse("jobs:list")


@pytest.fixture(autouse=True)
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: calls.append(kw))
    return calls


@pytest.fixture(autouse=True)
def five_credits_a_minute(settings):
    settings.STEMWORKS_CREDITS_PER_MINUTE = 5


def post(client, **data):
    data.setdefault("file", wav_upload())
    return client.post(URL, data, format="multipart")


def test_a_job_costing_more_than_agreed_answers_409_and_charges_nothing(
    owner_api, owner, media_root, enqueued
):
    response = post(owner_api, max_cost=4)

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This song costs 5 credits, more than the 4 you agreed to; nothing was charged."
    }
    assert Job.objects.count() == 0
    assert credits_balance(user=owner) == 100
    assert not CreditTransaction.objects.filter(kind="charge").exists()
    assert not list(media_root.rglob("*.wav"))  # the upload was never stored
    assert enqueued == []


def test_a_job_within_what_was_agreed_goes_ahead(owner_api, owner):
    response = post(owner_api, max_cost=5)

    assert response.status_code == 201
    assert response.json()["cost"] == 5
    assert credits_balance(user=owner) == 95


def test_the_limit_applies_to_a_full_job_from_an_earlier_upload(owner_api, owner):
    preview = JobFactory(owner=owner, kind=Kind.PREVIEW, duration=30, input_duration=130)

    data = {"source_job": preview.id, "max_cost": 10}
    response = owner_api.post(URL, data, format="multipart")

    assert response.status_code == 409
    assert "costs 15 credits, more than the 10" in response.json()["detail"]
    assert Job.objects.count() == 1


def test_a_free_preview_fits_any_limit(owner_api):
    assert post(owner_api, kind="preview", max_cost=0).status_code == 201


@pytest.mark.parametrize("value", [-1, "five"])
def test_a_bad_max_cost_answers_400(owner_api, value):
    response = post(owner_api, max_cost=value)

    assert response.status_code == 400
    assert list(response.json()) == ["max_cost"]
    assert Job.objects.count() == 0
