"""PUT/GET /api/v1/jobs/{id}/feedback: rate a succeeded job and its stems, editable."""

import pytest
from django.db import IntegrityError

from tests.factories import JobFactory, succeeded_job
from webapp.feedback.models import JobFeedback, StemFeedback


def url(job) -> str:
    return f"/api/v1/jobs/{job.id}/feedback"


def test_a_user_rates_a_succeeded_job_and_its_stems(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.put(
        url(job),
        {
            "rating": 4,
            "comment": "Clean vocals",
            "stems": {"vocals": "up", "accompaniment": "down"},
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["rating"], body["comment"]) == (4, "Clean vocals")
    assert body["stems"] == {"accompaniment": "down", "vocals": "up"}
    assert owner_api.get(url(job)).json()["rating"] == 4


def test_rating_again_edits_the_one_feedback(owner_api, owner):
    job = succeeded_job(owner)
    owner_api.put(url(job), {"rating": 2, "stems": {"vocals": "down"}}, format="json")

    response = owner_api.put(
        url(job), {"rating": 5, "comment": "Better on a second listen"}, format="json"
    )

    assert response.status_code == 200
    assert JobFeedback.objects.count() == 1
    feedback = JobFeedback.objects.get()
    assert (feedback.rating, feedback.comment) == (5, "Better on a second listen")
    assert response.json()["stems"] == {}  # PUT replaces all: stems not sent are cleared


def test_sending_stems_again_replaces_the_thumbs(owner_api, owner):
    job = succeeded_job(owner)
    owner_api.put(url(job), {"rating": 3, "stems": {"vocals": "down"}}, format="json")

    owner_api.put(url(job), {"rating": 3, "stems": {"accompaniment": "up"}}, format="json")

    assert list(StemFeedback.objects.values_list("stem", "thumbs_up")) == [("accompaniment", True)]


def test_the_database_keeps_one_feedback_per_user_and_job(owner):
    job = succeeded_job(owner)
    JobFeedback.objects.create(job=job, user=owner, rating=3)

    with pytest.raises(IntegrityError):
        JobFeedback.objects.create(job=job, user=owner, rating=4)


@pytest.mark.parametrize("rating", [0, 6, "great"])
def test_it_returns_400_for_a_rating_outside_1_to_5(owner_api, owner, rating):
    response = owner_api.put(url(succeeded_job(owner)), {"rating": rating}, format="json")

    assert response.status_code == 400
    assert "rating" in response.json()


def test_it_returns_400_for_a_stem_the_job_does_not_have(owner_api, owner):
    response = owner_api.put(
        url(succeeded_job(owner)), {"rating": 3, "stems": {"drums": "up"}}, format="json"
    )

    assert response.status_code == 400
    assert "no stem drums" in response.json()["stems"][0]


def test_it_returns_400_for_a_thumb_that_is_not_up_or_down(owner_api, owner):
    response = owner_api.put(
        url(succeeded_job(owner)), {"rating": 3, "stems": {"vocals": "sideways"}}, format="json"
    )

    assert response.status_code == 400


def test_it_returns_409_for_a_job_that_has_not_succeeded(owner_api, owner):
    response = owner_api.put(url(JobFactory(owner=owner)), {"rating": 5}, format="json")

    assert response.status_code == 409
    assert "queued" in response.json()["detail"]
    assert not JobFeedback.objects.exists()


def test_it_returns_404_for_another_users_job(other_api, owner):
    job = succeeded_job(owner)

    assert other_api.put(url(job), {"rating": 1}, format="json").status_code == 404
    assert other_api.get(url(job)).status_code == 404


def test_it_returns_404_before_the_job_is_rated(owner_api, owner):
    assert owner_api.get(url(succeeded_job(owner))).status_code == 404


def test_it_returns_401_without_credentials(anonymous_api, owner):
    assert anonymous_api.put(url(succeeded_job(owner)), {"rating": 5}).status_code == 401
