"""GET /api/v1/jobs/{id}/download.zip: all stems in one zip."""

import io
import zipfile

from django.urls import reverse

from tests.factories import JobFactory, succeeded_job


def url(job) -> str:
    return reverse("jobs:zip", args=[job.id])


def test_it_zips_every_stem_as_stored(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.get(url(job))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"stems-{job.id}.zip" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["accompaniment.wav", "vocals.wav"]
    for stem in job.stems.all():
        assert archive.read(f"{stem.name}.wav") == stem.file.read()


def test_it_returns_409_for_a_job_without_stems(owner_api, owner):
    response = owner_api.get(url(JobFactory(owner=owner)))

    assert response.status_code == 409
    assert "queued" in response.json()["detail"]


def test_it_returns_404_for_another_users_job(other_api, owner):
    assert other_api.get(url(succeeded_job(owner))).status_code == 404


def test_it_returns_401_without_credentials(anonymous_api, owner):
    assert anonymous_api.get(url(succeeded_job(owner))).status_code == 401
