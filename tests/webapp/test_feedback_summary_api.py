"""GET /api/v1/staff/feedback: ratings per model and thumbs per stem, for staff only."""

from tests.factories import succeeded_job
from webapp.feedback.services import feedback_replace

URL = "/api/v1/staff/feedback"


def test_staff_see_ratings_per_model_and_thumbs_per_stem(staff_api, owner, other_user):
    unet = succeeded_job(owner)
    feedback_replace(job=unet, user=owner, rating=4, comment="nice", stems={"vocals": True})
    other = succeeded_job(other_user)
    feedback_replace(
        job=other, user=other_user, rating=1, stems={"vocals": False, "accompaniment": True}
    )

    response = staff_api.get(URL)

    assert response.status_code == 200
    body = response.json()
    [model] = body["models"]
    assert (model["model"], model["count"], model["average"]) == ("unet-2stems", 2, 2.5)
    assert [c["comment"] for c in model["recent_comments"]] == ["nice"]
    assert body["stems"] == [
        {"model": "unet-2stems", "stem": "accompaniment", "up": 1, "down": 0},
        {"model": "unet-2stems", "stem": "vocals", "up": 1, "down": 1},
    ]


def test_it_is_empty_without_feedback(staff_api):
    assert staff_api.get(URL).json() == {"models": [], "stems": []}


def test_users_who_are_not_staff_get_403(owner_api):
    assert owner_api.get(URL).status_code == 403


def test_anonymous_visitors_get_401(anonymous_api, db):
    assert anonymous_api.get(URL).status_code == 401
