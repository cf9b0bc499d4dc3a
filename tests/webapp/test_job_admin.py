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


def test_staff_see_what_the_worker_recorded_and_cannot_change_it(staff, owner):
    job = JobFactory(
        owner=owner,
        status="failed",
        error_class="storage",
        worker_host="celery@gpu-box-7",
        device="cuda:1",
        separate_s=12.5,
    )
    client = Client()
    client.force_login(staff)

    page = client.get(f"/admin/jobs/job/{job.id}/change/").content.decode()
    listed = client.get("/admin/jobs/job/?error_class=storage").content.decode()

    assert "celery@gpu-box-7" in page and "cuda:1" in page and "12.5" in page
    assert 'name="worker_host"' not in page  # read-only: shown, not an input
    assert str(job.id) in listed


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(owner):
    client = Client()
    client.force_login(owner)

    response = client.get("/admin/jobs/job/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
