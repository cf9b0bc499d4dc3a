"""GET and DELETE /api/v1/jobs/{id}."""

import uuid

from django.core.files.storage import default_storage
from django.urls import reverse

from tests.factories import JobFactory, RunningJobFactory, succeeded_job
from webapp.jobs.models import Job, Stem


def url(job_id) -> str:
    return reverse("jobs:detail", args=[job_id])


def test_it_shows_status_progress_and_stems_with_download_urls(owner_api, owner):
    job = succeeded_job(owner)

    body = owner_api.get(url(job.id)).json()

    assert body["status"] == "succeeded"
    assert body["progress"] == 0 or body["progress"] == job.progress
    assert [stem["name"] for stem in body["stems"]] == ["vocals", "accompaniment"]
    stem = body["stems"][0]
    assert stem["url"] == f"http://testserver/api/v1/jobs/{job.id}/stems/vocals"
    assert stem["size"] > 44
    assert body["zip_url"].endswith(f"/api/v1/jobs/{job.id}/download.zip")
    assert body["result_json_url"].endswith(f"/api/v1/jobs/{job.id}/result.json")


def test_it_shows_the_reason_of_a_failed_job(owner_api, owner):
    job = JobFactory(owner=owner, status="failed", error="The file is truncated.")

    body = owner_api.get(url(job.id)).json()

    assert (body["status"], body["error"]) == ("failed", "The file is truncated.")


def test_it_returns_404_for_another_users_job(other_api, owner):
    job = succeeded_job(owner)

    response = other_api.get(url(job.id))

    assert response.status_code == 404
    assert "vocals" not in response.content.decode()


def test_it_returns_404_for_a_job_that_does_not_exist(owner_api):
    assert owner_api.get(url(uuid.uuid4())).status_code == 404


def test_it_returns_401_without_credentials(anonymous_api, owner):
    assert anonymous_api.get(url(JobFactory(owner=owner).id)).status_code == 401


def test_delete_removes_the_job_and_its_files(owner_api, owner, django_capture_on_commit_callbacks):
    job = succeeded_job(owner)
    stored = [row.file.name for stem in job.stems.all() for row in stem.files.all()]
    paths = [job.input_file.name, *stored]
    assert all(default_storage.exists(p) for p in paths)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.delete(url(job.id))

    assert response.status_code == 204
    assert not Job.objects.filter(id=job.id).exists()
    assert not Stem.objects.filter(job_id=job.id).exists()
    assert not any(default_storage.exists(p) for p in paths)


def test_delete_of_a_running_job_removes_it_so_its_worker_stops(owner_api, owner):
    job = RunningJobFactory(owner=owner)

    assert owner_api.delete(url(job.id)).status_code == 204
    assert not Job.objects.filter(id=job.id).exists()


def test_delete_returns_404_for_another_users_job(other_api, owner):
    job = succeeded_job(owner)

    assert other_api.delete(url(job.id)).status_code == 404
    assert Job.objects.filter(id=job.id).exists()
