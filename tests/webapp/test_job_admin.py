"""Staff see every job through the admin; nobody else gets in."""

from django.test import Client

from tests.factories import JobFactory, succeeded_job


def test_staff_see_every_users_jobs_in_the_admin(staff, owner, other_user):
    JobFactory(owner=owner, original_name="owners-song.wav")
    JobFactory(owner=other_user, original_name="others-song.wav")
    client = Client()
    client.force_login(staff)

    response = client.get("/admin/jobs/job/")

    assert response.status_code == 200
    assert b"owners-song.wav" in response.content
    assert b"others-song.wav" in response.content


def test_staff_can_open_a_job_with_its_stems(staff, owner):
    job = succeeded_job(owner)
    client = Client()
    client.force_login(staff)

    response = client.get(f"/admin/jobs/job/{job.id}/change/")

    assert response.status_code == 200
    assert b"accompaniment" in response.content


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(owner):
    client = Client()
    client.force_login(owner)

    response = client.get("/admin/jobs/job/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
