"""GET /s/{token}/stems/{name}/peaks: a shared stem's waveform peaks, for anyone."""

import json

from django.urls import reverse

from tests.factories import peaks_bytes, succeeded_job
from webapp.sharing.links import SharedLinks
from webapp.sharing.services import share_link_create, share_link_revoke

INVALID = {"detail": "This share link is not valid: it was revoked, or never existed."}


def url(token: str, name: str = "vocals") -> str:
    return reverse("sharing:peaks", args=[token, name])


def test_anyone_with_the_link_gets_the_stored_peaks(anonymous_api, other_api, owner):
    job = succeeded_job(owner, with_peaks=True)
    link, _ = share_link_create(job=job)

    for client in (anonymous_api, other_api):
        response = client.get(url(link.token))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        data = b"".join(response.streaming_content)
        assert data == peaks_bytes(1.0)
        assert json.loads(data)["version"] == 2


def test_a_job_stored_before_peaks_answers_409(anonymous_api, owner):
    job = succeeded_job(owner, with_peaks=False)
    link, _ = share_link_create(job=job)

    response = anonymous_api.get(url(link.token))

    assert response.status_code == 409
    assert "has no waveform peaks" in response.json()["detail"]


def test_a_revoked_or_unknown_token_is_404(anonymous_api, owner):
    job = succeeded_job(owner, with_peaks=True)
    link, _ = share_link_create(job=job)
    share_link_revoke(job=job)

    assert anonymous_api.get(url(link.token)).json() == INVALID
    assert anonymous_api.get(url("y" * 43)).json() == INVALID


def test_shared_links_give_the_public_peaks_url(rf, owner):
    job = succeeded_job(owner)
    links = SharedLinks(rf.get("/"), "tok")

    assert links.peaks(job.id, "vocals") == "http://testserver/s/tok/stems/vocals/peaks"
