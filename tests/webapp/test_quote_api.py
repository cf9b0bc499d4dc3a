"""GET /api/v1/quote: the price of a full job before the user confirms it."""

import uuid

import pytest
from django.urls import reverse

from tests.factories import JobFactory, paying_user
from webapp.jobs.models import Kind

URL = reverse("jobs:quote")


def test_it_prices_a_full_job_from_the_duration(owner_api):
    response = owner_api.get(URL, {"model": "unet-2stems", "duration": 61})

    assert response.status_code == 200
    assert response.json() == {
        "model": "unet-2stems",
        "duration": 61.0,
        "cost": 2,
        "credits_per_minute": 1,
        "balance": 100,
        "enough": True,
    }


def test_the_model_sets_the_price_per_minute(owner_api, settings):
    settings.STEMWORKS_MODEL_CREDITS_PER_MINUTE = {"htdemucs": 3}

    body = owner_api.get(URL, {"model": "htdemucs", "duration": 150}).json()

    assert (body["credits_per_minute"], body["cost"]) == (3, 9)


def test_it_says_when_the_balance_is_short(other_api, other_user):
    paying_user(other_user, credits=1)

    body = other_api.get(URL, {"duration": 120}).json()

    assert (body["model"], body["cost"], body["balance"], body["enough"]) == (
        "unet-2stems",
        2,
        1,
        False,
    )


def test_it_prices_the_full_job_of_an_earlier_upload_with_its_model(owner_api, owner):
    preview = JobFactory(
        owner=owner, kind=Kind.PREVIEW, model="htdemucs", duration=30, input_duration=185
    )

    body = owner_api.get(URL, {"source_job": preview.id}).json()

    assert (body["model"], body["duration"], body["cost"]) == ("htdemucs", 185.0, 4)
    other_model = owner_api.get(URL, {"source_job": preview.id, "model": "unet-2stems"}).json()
    assert (other_model["model"], other_model["cost"]) == ("unet-2stems", 4)


def test_another_users_job_is_refused_as_job_create_refuses_it(other_api, owner):
    job = JobFactory(owner=owner)

    for source in (job.id, uuid.uuid4()):
        response = other_api.get(URL, {"source_job": source})
        assert response.status_code == 400
        assert response.json() == {"source_job": ["You have no job with this id."]}


def test_an_earlier_upload_deleted_by_retention_cannot_be_priced(owner_api, owner):
    from django.utils import timezone

    job = JobFactory(owner=owner, input_file="", purged_at=timezone.now())

    response = owner_api.get(URL, {"source_job": job.id})

    assert response.status_code == 400
    assert response.json() == {
        "source_job": ["The upload of that job was deleted; upload the song again."]
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "duration"),
        ({"duration": "long"}, "duration"),
        ({"duration": 0}, "duration"),
        ({"duration": -5}, "duration"),
        ({"duration": "nan"}, "duration"),
        ({"duration": 60, "model": "nope"}, "model"),
        ({"source_job": "not-a-uuid"}, "source_job"),
    ],
)
def test_bad_parameters_answer_400_with_a_reason_per_field(owner_api, params, field):
    response = owner_api.get(URL, params)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0]


def test_a_duration_and_a_source_job_together_are_refused(owner_api, owner):
    response = owner_api.get(URL, {"duration": 60, "source_job": JobFactory(owner=owner).id})

    assert response.status_code == 400
    assert "either" in response.json()["duration"][0]


def test_a_song_over_the_limit_is_refused_with_the_limit_in_words(owner_api, settings):
    settings.STEMWORKS_MAX_DURATION_S = 600

    response = owner_api.get(URL, {"duration": 601})

    assert response.status_code == 400
    assert response.json() == {
        "duration": ["The song is 10:01 min long; the maximum is 10:00 min."]
    }


def test_the_quote_is_what_job_create_charges(owner_api, monkeypatch, settings):
    from tests.factories import wav_upload

    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)
    settings.STEMWORKS_CREDITS_PER_MINUTE = 7

    quoted = owner_api.get(URL, {"duration": 1.0}).json()["cost"]
    created = owner_api.post(reverse("jobs:list"), {"file": wav_upload()}, format="multipart")

    assert created.json()["cost"] == quoted == 7


def test_it_needs_credentials(anonymous_api, db):
    assert anonymous_api.get(URL, {"duration": 60}).status_code == 401
