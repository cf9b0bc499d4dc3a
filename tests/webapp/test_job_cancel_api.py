"""POST /api/v1/jobs/{id}/cancel."""

from django.urls import reverse

from tests.factories import JobFactory, RunningJobFactory, succeeded_job
from webapp.jobs.models import Status


def url(job) -> str:
    return reverse("jobs:cancel", args=[job.id])


def test_it_cancels_a_queued_job(owner_api, owner):
    job = JobFactory(owner=owner)

    response = owner_api.post(url(job))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    assert job.finished_at is not None


def test_it_cancels_a_running_job(owner_api, owner):
    job = RunningJobFactory(owner=owner)

    assert owner_api.post(url(job)).status_code == 200
    job.refresh_from_db()
    assert job.status == Status.CANCELLED


def test_it_returns_409_for_a_finished_job(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.post(url(job))

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "The job has already succeeded; only a queued or running job can be cancelled."
    )
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED


def test_cancelling_twice_says_the_job_was_already_cancelled(owner_api, owner):
    job = JobFactory(owner=owner)
    owner_api.post(url(job))

    response = owner_api.post(url(job))

    assert response.status_code == 409
    assert response.json()["detail"].startswith("The job was already cancelled;")


def test_it_returns_404_for_another_users_job(other_api, owner):
    job = JobFactory(owner=owner)

    response = other_api.post(url(job))

    assert response.status_code == 404
    assert response.json() == {"detail": "You have no job with this id."}
    job.refresh_from_db()
    assert job.status == Status.QUEUED


def test_it_returns_401_without_credentials(anonymous_api, owner):
    assert anonymous_api.post(url(JobFactory(owner=owner))).status_code == 401
