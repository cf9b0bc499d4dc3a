"""Files on S3, for real: an S3-compatible server (moto) that the settings' own S3 storage
talks to, through upload, separation, downloads (signed redirects, ranges), delete, retention."""

import base64
import io
import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import soundfile as sf
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer

from tests.factories import wav_upload
from tests.workers.fakes import FakeSeparator
from webapp.jobs import housekeeping
from webapp.jobs.models import Job
from workers.tasks import separate_job

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = ("flac", "listen.mp3", "mp3", "peaks.json", "wav")
KEYS = {"STEMWORKS_S3_ACCESS_KEY": "test-key", "STEMWORKS_S3_SECRET_KEY": "test-secret"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3-compatible server on a free port, for this module's tests."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def storages_from_settings(**env: str) -> dict:
    """Return STORAGES as webapp.settings builds it from these environment variables."""
    probe = "import json; from webapp import settings; print(json.dumps(settings.STORAGES))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def s3_storages(s3_endpoint):
    """A bucket, and STORAGES as the settings configure it for that bucket."""
    name = f"stems-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["STEMWORKS_S3_ACCESS_KEY"],
        aws_secret_access_key=KEYS["STEMWORKS_S3_SECRET_KEY"],
    )
    client.create_bucket(Bucket=name)
    storages = storages_from_settings(
        STEMWORKS_S3_BUCKET=name,
        STEMWORKS_S3_ENDPOINT_URL=s3_endpoint,
        STEMWORKS_S3_REGION="us-east-1",
        **KEYS,
    )
    return storages, Bucket(client, name)


@pytest.fixture
def bucket(settings, s3_storages):
    """The bucket, used by the default storage for this test (each job has its own prefix)."""
    settings.STORAGES, bucket = s3_storages
    return bucket


class Bucket:
    def __init__(self, client, name: str) -> None:
        self.client, self.name = client, name

    def keys(self, prefix: str = "") -> list[str]:
        found = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in found.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def fetch(url: str, **headers: str):
    """GET a URL from outside Django (as a browser following a redirect would)."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
        return response.status, response.headers, response.read()


@pytest.fixture
def separated_job(bucket, owner_api, fake_separator, monkeypatch):
    """A song uploaded through the API and separated by the worker pipeline, on S3."""
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)
    created = owner_api.post(
        reverse("jobs:list"), {"file": wav_upload(seconds=1.5)}, format="multipart"
    )
    assert created.status_code == 201
    job_id = created.json()["id"]
    assert separate_job.apply(args=[job_id]).get() == "succeeded"
    return Job.objects.get(id=job_id)


@pytest.fixture
def fake_separator(monkeypatch):
    monkeypatch.setattr("workers.pipeline.get_separator", FakeSeparator)


def test_the_upload_and_every_stem_in_every_format_are_objects_in_the_bucket(separated_job, bucket):
    prefix = f"jobs/{separated_job.id}/"

    stems = [f"{stem}.{suffix}" for stem in ("accompaniment", "vocals") for suffix in SUFFIXES]
    assert bucket.keys(prefix) == sorted(
        [f"{prefix}input.wav", *(f"{prefix}stems/1/{name}" for name in stems)]
    )
    for row in separated_job.stems.get(name="vocals").files.all():
        assert len(bucket.read(row.file.name)) == row.size


@pytest.mark.parametrize(
    ("fmt", "filename", "content_type"),
    [
        ("wav", "vocals.wav", "audio/wav"),
        ("flac", "vocals.flac", "audio/flac"),
        ("mp3", "vocals.mp3", "audio/mpeg"),
        ("listen", "vocals.listen.mp3", "audio/mpeg"),
    ],
)
def test_a_download_redirects_to_a_short_lived_signed_url_that_serves_the_stem(
    separated_job, bucket, owner_api, fmt, filename, content_type
):
    url = reverse("jobs:stem", args=[separated_job.id, "vocals"])

    response = owner_api.get(url, {"format": fmt})

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    status, headers, data = fetch(signed)
    assert status == 200
    assert headers["Content-Disposition"] == f'inline; filename="{filename}"'
    assert headers["Content-Type"] == content_type
    row = separated_job.stems.get(name="vocals").files.get(format=fmt)
    assert data == bucket.read(row.file.name)
    assert sf.info(io.BytesIO(data)).duration == pytest.approx(1.5, abs=0.1)


def test_the_peaks_redirect_to_a_signed_url_that_serves_their_json(
    separated_job, bucket, owner_api
):
    response = owner_api.get(reverse("jobs:peaks", args=[separated_job.id, "vocals"]))

    assert response.status_code == 302
    status, headers, data = fetch(response["Location"])
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert data == bucket.read(f"jobs/{separated_job.id}/stems/1/vocals.peaks.json")
    assert json.loads(data)["length"] == 25  # 1.5 s: 66150 frames, 25 bins of 2646


def test_signed_urls_use_the_public_address_when_browsers_reach_s3_elsewhere(
    separated_job, bucket, owner_api, settings, s3_endpoint
):
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    settings.STEMWORKS_S3_PUBLIC_URL = public
    url = reverse("jobs:stem", args=[separated_job.id, "vocals"])

    response = owner_api.get(url, {"format": "flac"})

    signed = response["Location"]
    assert signed.startswith(f"{public}/{bucket.name}/jobs/{separated_job.id}/stems/1/vocals.flac?")
    assert "X-Amz-Signature" in parse_qs(urlsplit(signed).query)
    status, headers, data = fetch(signed)
    assert status == 200 and headers["Content-Type"] == "audio/flac"
    row = separated_job.stems.get(name="vocals").files.get(format="flac")
    assert data == bucket.read(row.file.name)


def test_s3_serves_byte_ranges_of_the_signed_url(separated_job, bucket, owner_api):
    response = owner_api.get(reverse("jobs:stem", args=[separated_job.id, "vocals"]))
    whole = fetch(response["Location"])[2]

    status, headers, data = fetch(response["Location"], Range="bytes=100-1099")

    assert status == 206
    assert headers["Content-Range"] == f"bytes 100-1099/{len(whole)}"
    assert data == whole[100:1100]


def test_an_unsigned_url_to_the_object_is_refused(separated_job, s3_endpoint, bucket):
    key = separated_job.stems.get(name="vocals").files.get(format="wav").file.name

    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(f"{s3_endpoint}/{bucket.name}/{key}")

    assert refused.value.code == 403


def test_the_zip_and_result_json_stream_from_the_bucket(separated_job, bucket, owner_api):
    zipped = owner_api.get(reverse("jobs:zip", args=[separated_job.id]), {"format": "flac"})
    result = owner_api.get(reverse("jobs:result-json", args=[separated_job.id]))

    archive = zipfile.ZipFile(io.BytesIO(b"".join(zipped.streaming_content)))
    stems = json.loads(b"".join(result.streaming_content))
    for stem in separated_job.stems.all():
        flac = stem.files.get(format="flac").file.name
        assert archive.read(f"{stem.name}.flac") == bucket.read(flac)
        wav = stem.files.get(format="wav").file.name
        assert stems[stem.name] == base64.b64encode(bucket.read(wav)).decode()


def test_deleting_the_job_removes_its_objects(
    separated_job, bucket, owner_api, django_capture_on_commit_callbacks
):
    prefix = f"jobs/{separated_job.id}/"
    assert bucket.keys(prefix)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.delete(reverse("jobs:detail", args=[separated_job.id]))

    assert response.status_code == 204
    assert bucket.keys(prefix) == []


def test_the_retention_purge_removes_its_objects(separated_job, bucket, settings):
    settings.STEMWORKS_RETENTION_DAYS = 7
    long_ago = timezone.now() - timedelta(days=8)
    Job.objects.filter(id=separated_job.id).update(finished_at=long_ago)

    assert housekeeping.jobs_purge_expired() == 1

    assert bucket.keys(f"jobs/{separated_job.id}/") == []
