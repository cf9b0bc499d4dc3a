"""GET /api/v1/jobs/{id}/download.zip?format=...: every stem in one zip, streamed."""

import io
import zipfile

import pytest
from django.urls import reverse

from tests.factories import JobFactory, succeeded_job
from webapp import storage
from webapp.jobs.stem_files import STEM_FORMATS


def url(job) -> str:
    return reverse("jobs:zip", args=[job.id])


def stored(stem, fmt: str) -> bytes:
    with stem.files.get(format=fmt).file.open("rb") as f:
        return f.read()


def test_it_zips_every_stem_as_stored(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.get(url(job))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="stems-{job.id}.zip"'
    data = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert sorted(archive.namelist()) == ["accompaniment.wav", "vocals.wav"]
    for stem in job.stems.all():
        assert archive.read(f"{stem.name}.wav") == stored(stem, "wav")


@pytest.mark.parametrize("fmt", ["flac", "mp3", "listen"])
def test_it_zips_the_stored_copies_in_the_asked_format(owner_api, owner, fmt):
    job = succeeded_job(owner, formats=tuple(STEM_FORMATS))
    suffix = STEM_FORMATS[fmt].suffix

    response = owner_api.get(url(job), {"format": fmt})

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [f"accompaniment.{suffix}", f"vocals.{suffix}"]
    for stem in job.stems.all():
        assert archive.read(f"{stem.name}.{suffix}") == stored(stem, fmt)
        assert archive.getinfo(f"{stem.name}.{suffix}").compress_type == zipfile.ZIP_STORED


def test_the_first_bytes_leave_before_the_second_member_is_read(owner_api, owner, monkeypatch):
    job = succeeded_job(owner, seconds=3.0)
    opened: list[str] = []
    real = storage.stored_chunks

    def watched(name):
        opened.append(name)
        yield from real(name)

    monkeypatch.setattr("webapp.storage.stored_chunks", watched)

    response = owner_api.get(url(job))
    chunks = iter(response.streaming_content)
    first = next(chunks)

    assert first.startswith(b"PK\x03\x04")
    assert len(opened) <= 1  # nothing spooled: the zip is written as it is sent
    rest = b"".join(chunks)
    assert len(opened) == 2
    assert len(first) + len(rest) == int(response["Content-Length"])


def test_it_returns_400_for_an_unknown_format(owner_api, owner):
    response = owner_api.get(url(succeeded_job(owner)), {"format": "aiff"})

    assert response.status_code == 400
    assert "format" in response.json()


def test_a_job_stored_with_only_wavs_answers_409_for_flac(owner_api, owner):
    response = owner_api.get(url(succeeded_job(owner)), {"format": "flac"})

    assert response.status_code == 409
    assert "no flac copy" in response.json()["detail"]


def test_it_returns_409_for_a_job_without_stems(owner_api, owner):
    response = owner_api.get(url(JobFactory(owner=owner)))

    assert response.status_code == 409
    assert "queued" in response.json()["detail"]


def test_it_returns_404_for_another_users_job(other_api, owner):
    assert other_api.get(url(succeeded_job(owner))).status_code == 404


def test_it_returns_401_without_credentials(anonymous_api, owner):
    assert anonymous_api.get(url(succeeded_job(owner))).status_code == 401
