"""GET /s/{token}/stems/{name} and /s/{token}/download.zip: a shared job's files, for anyone."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import StemFactory, succeeded_job
from webapp.jobs.stem_files import STEM_FORMATS
from webapp.sharing.links import SharedLinks
from webapp.sharing.models import ShareLink
from webapp.sharing.services import share_link_create, share_link_revoke

INVALID = {"detail": "This share link is not valid: it was revoked, or never existed."}


def stem_url(token: str, name: str = "vocals") -> str:
    return reverse("sharing:stem", args=[token, name])


def zip_url(token: str) -> str:
    return reverse("sharing:zip", args=[token])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def stored(job, fmt: str = "wav", name: str = "vocals") -> bytes:
    with job.stems.get(name=name).files.get(format=fmt).file.open("rb") as f:
        return f.read()


@pytest.fixture
def shared(owner):
    """A finished job of the owner's, with a share link: (job, token)."""
    job = succeeded_job(owner, formats=tuple(STEM_FORMATS))
    link, _ = share_link_create(job=job)
    return job, link.token


@pytest.fixture(params=["anonymous", "other user"])
def visitor(request, anonymous_api, other_api):
    """Whoever holds the link: nobody logged in, or another user."""
    return anonymous_api if request.param == "anonymous" else other_api


def test_a_visitor_gets_the_stored_stem(visitor, shared):
    job, token = shared

    response = visitor.get(stem_url(token))

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"] == 'inline; filename="vocals.wav"'
    assert body(response) == stored(job)


@pytest.mark.parametrize("fmt", ["flac", "mp3", "listen"])
def test_a_visitor_gets_each_stored_format(anonymous_api, shared, fmt):
    job, token = shared

    response = anonymous_api.get(stem_url(token, "accompaniment"), {"format": fmt})

    assert response.status_code == 200
    assert response["Content-Type"] == STEM_FORMATS[fmt].content_type
    assert body(response) == stored(job, fmt, "accompaniment")


def test_a_range_request_answers_206_with_those_bytes(anonymous_api, shared):
    job, token = shared
    data = stored(job)

    response = anonymous_api.get(stem_url(token), HTTP_RANGE="bytes=100-199")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert body(response) == data[100:200]


def test_on_s3_it_redirects_to_a_signed_url_as_the_owners_download_does(
    anonymous_api, shared, monkeypatch
):
    _, token = shared
    signed = []

    def signed_url(name, *, filename, content_type):
        signed.append((filename, content_type))
        return "https://bucket.example/stem?signature=x"

    monkeypatch.setattr("webapp.storage.signed_url", signed_url)

    response = anonymous_api.get(stem_url(token), {"format": "mp3"})

    assert response.status_code == 302
    assert response["Location"] == "https://bucket.example/stem?signature=x"
    assert response["Cache-Control"] == "private, no-store"
    assert signed == [("vocals.mp3", "audio/mpeg")]


def test_an_unknown_format_is_400(anonymous_api, shared):
    _, token = shared

    response = anonymous_api.get(stem_url(token), {"format": "ogg"})

    assert response.status_code == 400
    assert response.json() == {"format": ["Choose one of: wav, flac, mp3, listen."]}


def test_the_zip_holds_every_stem_as_stored(visitor, shared):
    job, token = shared

    response = visitor.get(zip_url(token), {"format": "flac"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert sorted(archive.namelist()) == ["accompaniment.flac", "vocals.flac"]
    assert archive.read("vocals.flac") == stored(job, "flac")


def test_a_stem_the_job_lacks_is_404(anonymous_api, shared):
    _, token = shared

    response = anonymous_api.get(stem_url(token, "drums"))

    assert response.status_code == 404
    assert response.json() == {
        "detail": "This job has no stem 'drums'; its stems are: vocals, accompaniment."
    }


def test_the_link_opens_no_other_job_of_the_owner(anonymous_api, owner, shared):
    _, token = shared
    other = succeeded_job(owner, names=("drums",))

    response = anonymous_api.get(stem_url(token, "drums"))

    assert response.status_code == 404
    # Only the shared job's own stems are named.
    assert response.json() == {
        "detail": "This job has no stem 'drums'; its stems are: vocals, accompaniment."
    }
    # The owner's own routes still want credentials.
    assert anonymous_api.get(reverse("jobs:stem", args=[other.id, "drums"])).status_code == 401


@pytest.mark.parametrize("where", ["stem", "zip"])
def test_an_unknown_token_is_404(anonymous_api, shared, where):
    token = "x" * 43
    url = stem_url(token) if where == "stem" else zip_url(token)

    response = anonymous_api.get(url)

    assert response.status_code == 404
    assert response.json() == INVALID


@pytest.mark.parametrize("where", ["stem", "zip"])
def test_a_revoked_token_is_404(anonymous_api, shared, where):
    job, token = shared
    share_link_revoke(job=job)
    url = stem_url(token) if where == "stem" else zip_url(token)

    response = anonymous_api.get(url)

    assert response.status_code == 404
    assert response.json() == INVALID


def test_a_revoked_token_stays_dead_after_a_new_link(anonymous_api, shared):
    job, old = shared
    share_link_revoke(job=job)
    new, _ = share_link_create(job=job)

    assert anonymous_api.get(stem_url(old)).status_code == 404
    assert anonymous_api.get(stem_url(new.token)).status_code == 200


def test_a_purged_job_is_404(anonymous_api, shared):
    job, token = shared
    job.purged_at = timezone.now()
    job.save()

    assert anonymous_api.get(stem_url(token)).json() == INVALID
    assert anonymous_api.get(zip_url(token)).status_code == 404


def test_a_deleted_job_is_404_and_takes_its_links(owner_api, anonymous_api, shared):
    job, token = shared

    assert owner_api.delete(reverse("jobs:detail", args=[job.id])).status_code == 204

    assert not ShareLink.objects.exists()
    assert anonymous_api.get(stem_url(token)).json() == INVALID


def test_the_public_routes_are_read_only(anonymous_api, shared):
    job, token = shared

    assert anonymous_api.post(stem_url(token)).status_code == 405
    assert anonymous_api.delete(zip_url(token)).status_code == 405
    assert job.stems.count() == 2


def test_a_bad_session_or_token_header_does_not_matter(anonymous_api, shared):
    _, token = shared
    anonymous_api.credentials(HTTP_AUTHORIZATION="Token sw_not-a-real-key")

    assert anonymous_api.get(stem_url(token)).status_code == 200


def test_shared_links_point_at_the_public_routes(rf, shared):
    job, token = shared
    links = SharedLinks(rf.get("/"), token)

    assert links.page() == f"http://testserver/s/{token}"
    assert links.stem(job.id, "vocals") == f"http://testserver/s/{token}/stems/vocals"
    assert links.stem(job.id, "vocals", "flac").endswith(f"/s/{token}/stems/vocals?format=flac")
    assert links.zip(job.id) == f"http://testserver/s/{token}/download.zip"
    assert str(job.id) not in links.stem(job.id, "vocals")


def test_the_stem_files_are_fetched_in_a_fixed_number_of_queries(
    anonymous_api, shared, django_assert_max_num_queries
):
    job, token = shared
    StemFactory(job=job, name="drums")

    with django_assert_max_num_queries(3):
        assert anonymous_api.get(zip_url(token)).status_code == 200
