"""GET /api/v1/jobs/{id}/stems/{name}/peaks: a stem's stored waveform peaks, and peaks_url."""

import json
from datetime import timedelta

from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from tests.factories import JobFactory, peaks_bytes, succeeded_job
from webapp.jobs import housekeeping
from webapp.jobs.models import Job

EVERY_FORMAT = ("wav", "flac", "mp3", "listen")


def url(job, name="vocals") -> str:
    return reverse("jobs:peaks", args=[job.id, name])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_owner_gets_the_stored_peaks_as_json(owner_api, owner):
    job = succeeded_job(owner, seconds=2.0, with_peaks=True)

    response = owner_api.get(url(job))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body(response) == peaks_bytes(2.0)
    waveform = json.loads(peaks_bytes(2.0))
    assert (waveform["version"], waveform["samples_per_pixel"], waveform["length"]) == (2, 2646, 34)


def test_another_users_job_answers_404(other_api, owner):
    job = succeeded_job(owner, with_peaks=True)

    response = other_api.get(url(job))

    assert response.status_code == 404
    assert response.json() == {"detail": "You have no job with this id."}


def test_an_unknown_stem_answers_404(owner_api, owner):
    job = succeeded_job(owner, with_peaks=True)

    response = owner_api.get(url(job, "drums"))

    assert response.status_code == 404
    assert "its stems are: vocals, accompaniment" in response.json()["detail"]


def test_a_job_stored_before_peaks_answers_409_with_the_reason(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.get(url(job))

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "The stem vocals has no waveform peaks: the job was separated before they were made. "
        "Its audio downloads as before; run the job again to get them."
    )


def test_an_unfinished_job_answers_409(owner_api, owner):
    response = owner_api.get(url(JobFactory(owner=owner)))

    assert response.status_code == 409


def test_it_needs_credentials(anonymous_api, owner):
    assert anonymous_api.get(url(succeeded_job(owner, with_peaks=True))).status_code == 401


def test_the_job_answer_links_each_stems_peaks(owner_api, owner):
    job = succeeded_job(owner, formats=EVERY_FORMAT, with_peaks=True)

    stems = owner_api.get(reverse("jobs:detail", args=[job.id])).json()["stems"]

    for stem in stems:
        assert stem["peaks_url"] == f"http://testserver{url(job, stem['name'])}"
        assert owner_api.get(stem["peaks_url"]).status_code == 200


def test_a_stem_without_peaks_has_a_null_peaks_url(owner_api, owner):
    job = succeeded_job(owner)

    stems = owner_api.get(reverse("jobs:detail", args=[job.id])).json()["stems"]

    assert [stem["peaks_url"] for stem in stems] == [None, None]


def test_the_job_list_links_peaks_without_a_query_per_stem(
    owner_api, owner, django_assert_max_num_queries
):
    for _ in range(5):
        succeeded_job(owner, formats=EVERY_FORMAT, with_peaks=True)

    # As many queries as the list without peaks (test_job_stems_output).
    with django_assert_max_num_queries(8):
        response = owner_api.get(reverse("jobs:list"))

    jobs = response.json()["results"]
    assert len(jobs) == 5
    assert all(stem["peaks_url"] for job in jobs for stem in job["stems"])


def test_deleting_a_job_removes_its_peaks(owner_api, owner, django_capture_on_commit_callbacks):
    job = succeeded_job(owner, with_peaks=True)
    name = job.stems.get(name="vocals").peaks.name
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        assert owner_api.delete(reverse("jobs:detail", args=[job.id])).status_code == 204

    assert not default_storage.exists(name)


def test_the_retention_purge_removes_the_peaks(owner, settings):
    settings.STEMWORKS_RETENTION_DAYS = 7
    job = succeeded_job(owner, with_peaks=True)
    name = job.stems.get(name="vocals").peaks.name
    Job.objects.filter(id=job.id).update(finished_at=timezone.now() - timedelta(days=8))

    assert housekeeping.jobs_purge_expired() == 1

    assert not default_storage.exists(name)
