"""Staff read feedback in the admin, with the summary per model and per stem."""

from django.test import Client

from tests.factories import succeeded_job
from webapp.feedback.services import feedback_replace


def test_staff_see_feedback_with_its_summary(staff, owner):
    feedback_replace(
        job=succeeded_job(owner),
        user=owner,
        rating=5,
        comment="Superb split",
        stems={"vocals": True},
    )
    client = Client()
    client.force_login(staff)

    response = client.get("/admin/feedback/jobfeedback/")

    assert response.status_code == 200
    assert b"Per model" in response.content and b"Per stem" in response.content
    assert b"Superb split" in response.content
    assert client.get("/admin/feedback/jobfeedback/?rating__exact=5&q=Superb").status_code == 200


def test_a_user_who_is_not_staff_cannot_see_feedback(owner):
    client = Client()
    client.force_login(owner)

    assert client.get("/admin/feedback/jobfeedback/").status_code == 302
