"""PUT replaces the whole feedback on a job; PATCH changes only the parts it sends."""

from tests.factories import JobFactory, succeeded_job
from webapp.feedback.models import JobFeedback, StemFeedback

FULL = {"rating": 4, "comment": "Clean vocals", "stems": {"vocals": "up", "accompaniment": "down"}}


def url(job) -> str:
    return f"/api/v1/jobs/{job.id}/feedback"


def rated(api, owner):
    job = succeeded_job(owner)
    assert api.put(url(job), FULL, format="json").status_code == 201
    return job


def test_a_put_without_comment_or_stems_clears_them(owner_api, owner):
    job = rated(owner_api, owner)

    response = owner_api.put(url(job), {"rating": 2}, format="json")

    assert response.status_code == 200
    assert (response.json()["rating"], response.json()["comment"]) == (2, "")
    assert response.json()["stems"] == {}
    assert not StemFeedback.objects.exists()


def test_a_put_needs_a_rating_even_when_feedback_exists(owner_api, owner):
    job = rated(owner_api, owner)

    response = owner_api.put(url(job), {"comment": "only this"}, format="json")

    assert response.status_code == 400
    assert "rating" in response.json()
    assert JobFeedback.objects.get().comment == "Clean vocals"


def test_a_patch_of_the_comment_keeps_the_rating_and_thumbs(owner_api, owner):
    job = rated(owner_api, owner)

    response = owner_api.patch(url(job), {"comment": "Even better later"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["rating"], body["comment"]) == (4, "Even better later")
    assert body["stems"] == {"accompaniment": "down", "vocals": "up"}


def test_a_patch_of_the_rating_keeps_the_comment(owner_api, owner):
    job = rated(owner_api, owner)

    body = owner_api.patch(url(job), {"rating": 5}, format="json").json()

    assert (body["rating"], body["comment"]) == (5, "Clean vocals")


def test_a_patch_of_one_thumb_keeps_the_others_and_null_removes_one(owner_api, owner):
    job = rated(owner_api, owner)

    first = owner_api.patch(url(job), {"stems": {"accompaniment": "up"}}, format="json").json()
    second = owner_api.patch(url(job), {"stems": {"vocals": None}}, format="json").json()

    assert first["stems"] == {"accompaniment": "up", "vocals": "up"}
    assert second["stems"] == {"accompaniment": "up"}
    assert second["comment"] == "Clean vocals"


def test_a_patch_with_an_empty_comment_clears_only_the_comment(owner_api, owner):
    job = rated(owner_api, owner)

    body = owner_api.patch(url(job), {"comment": ""}, format="json").json()

    assert (body["rating"], body["comment"]) == (4, "")
    assert len(body["stems"]) == 2


def test_a_patch_before_any_rating_returns_404_and_creates_nothing(owner_api, owner):
    response = owner_api.patch(url(succeeded_job(owner)), {"rating": 3}, format="json")

    assert response.status_code == 404
    assert "PUT a rating first" in response.json()["detail"]
    assert not JobFeedback.objects.exists()


def test_a_patch_checks_its_values_like_a_put(owner_api, owner):
    job = rated(owner_api, owner)

    bad_rating = owner_api.patch(url(job), {"rating": 9}, format="json")
    bad_stem = owner_api.patch(url(job), {"stems": {"drums": "up"}}, format="json")

    assert bad_rating.status_code == 400 and "rating" in bad_rating.json()
    assert bad_stem.status_code == 400 and "no stem drums" in bad_stem.json()["stems"][0]
    assert JobFeedback.objects.get().rating == 4


def test_a_patch_on_a_job_that_has_not_succeeded_returns_409(owner_api, owner):
    response = owner_api.patch(url(JobFactory(owner=owner)), {"rating": 3}, format="json")

    assert response.status_code == 409


def test_a_patch_of_another_users_job_returns_404(owner_api, other_api, owner):
    job = rated(owner_api, owner)

    assert other_api.patch(url(job), {"rating": 1}, format="json").status_code == 404
    assert JobFeedback.objects.get().rating == 4


def test_thumbs_for_a_job_past_retention_are_checked_against_its_model(owner_api, owner):
    job = succeeded_job(owner)
    job.stems.all().delete()
    job.purged_at = job.finished_at
    job.save()

    long_name = owner_api.put(url(job), {"rating": 3, "stems": {"x" * 60: "up"}}, format="json")
    known = owner_api.put(url(job), {"rating": 3, "stems": {"vocals": "up"}}, format="json")

    assert long_name.status_code == 400
    assert (
        "has vocals, accompaniment" in long_name.json()["stems"][0]
        or "accompaniment" in long_name.json()["stems"][0]
    )
    assert known.status_code == 201
    assert known.json()["stems"] == {"vocals": "up"}
