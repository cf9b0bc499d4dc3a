"""GET, POST and DELETE /api/v1/jobs/{id}/share: the owner makes, sees and revokes a link."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import JobFactory, RunningJobFactory, succeeded_job
from webapp.jobs.models import Status
from webapp.sharing.models import ShareLink
from webapp.sharing.services import share_link_create, share_link_revoke


def url(job) -> str:
    return reverse("sharing:link", args=[job.id])


def page(token: str) -> str:
    return "http://testserver" + reverse("pages:shared", args=[token])


def test_post_makes_a_link_with_an_unguessable_token_and_its_absolute_url(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.post(url(job))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "url", "created_at"}
    link = ShareLink.objects.get(job=job)
    assert body["token"] == link.token
    assert body["url"] == page(link.token)
    assert body["url"].endswith(f"/s/{link.token}")
    # 32 random bytes in URL-safe base64: 43 characters of 64 possible each.
    assert len(link.token) >= 43
    assert set(link.token) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


def test_two_jobs_get_different_tokens(owner_api, owner):
    first, second = succeeded_job(owner), succeeded_job(owner)

    tokens = {owner_api.post(url(job)).json()["token"] for job in (first, second)}

    assert len(tokens) == 2


def test_post_again_returns_the_same_link_with_200(owner_api, owner):
    job = succeeded_job(owner)
    first = owner_api.post(url(job)).json()

    response = owner_api.post(url(job))

    assert response.status_code == 200
    assert response.json() == first
    assert ShareLink.objects.filter(job=job).count() == 1


def test_get_shows_the_active_link(owner_api, owner):
    job = succeeded_job(owner)
    made = owner_api.post(url(job)).json()

    response = owner_api.get(url(job))

    assert response.status_code == 200
    assert response.json() == made


def test_get_answers_404_when_the_job_has_no_link(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.get(url(job))

    assert response.status_code == 404
    assert response.json() == {"detail": "This job has no share link."}


def test_delete_revokes_the_link_for_good(owner_api, owner):
    job = succeeded_job(owner)
    token = owner_api.post(url(job)).json()["token"]

    response = owner_api.delete(url(job))

    assert response.status_code == 204
    link = ShareLink.objects.get(token=token)
    assert link.revoked_at is not None
    assert owner_api.get(url(job)).status_code == 404
    assert owner_api.delete(url(job)).status_code == 404


def test_a_new_link_after_revoking_has_a_new_token_and_the_old_stays_revoked(owner_api, owner):
    job = succeeded_job(owner)
    old = owner_api.post(url(job)).json()["token"]
    owner_api.delete(url(job))

    response = owner_api.post(url(job))

    assert response.status_code == 201
    assert response.json()["token"] != old
    assert ShareLink.objects.get(token=old).revoked_at is not None
    assert owner_api.get(url(job)).json()["token"] == response.json()["token"]


def test_delete_answers_404_when_the_job_has_no_link(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.delete(url(job))

    assert response.status_code == 404
    assert response.json() == {"detail": "This job has no share link."}


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_another_users_job_is_404_and_its_link_untouched(other_api, owner, method):
    job = succeeded_job(owner)
    link, _ = share_link_create(job=job)

    response = getattr(other_api, method)(url(job))

    assert response.status_code == 404
    assert response.json() == {"detail": "You have no job with this id."}
    link.refresh_from_db()
    assert link.revoked_at is None
    assert ShareLink.objects.filter(job=job).count() == 1


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_it_needs_credentials(anonymous_api, owner, method):
    job = succeeded_job(owner)

    assert getattr(anonymous_api, method)(url(job)).status_code == 401


@pytest.mark.parametrize(
    ("factory", "state"),
    [(JobFactory, "queued"), (RunningJobFactory, "running")],
)
def test_an_unfinished_job_cannot_be_shared(owner_api, owner, factory, state):
    job = factory(owner=owner)

    response = owner_api.post(url(job))

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Only a succeeded job can be shared; this one is {state}."
    }
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize("state", [Status.FAILED, Status.CANCELLED])
def test_a_failed_or_cancelled_job_cannot_be_shared(owner_api, owner, state):
    job = JobFactory(owner=owner, status=state, finished_at=timezone.now())

    response = owner_api.post(url(job))

    assert response.status_code == 409
    assert f"this one is {state}" in response.json()["detail"]
    assert not ShareLink.objects.exists()


def test_a_purged_job_cannot_be_shared(owner_api, owner):
    job = succeeded_job(owner)
    job.purged_at = timezone.now()
    job.save()

    response = owner_api.post(url(job))

    assert response.status_code == 409
    assert "deleted after the retention period" in response.json()["detail"]


def test_the_database_allows_one_active_link_per_job(owner):
    from django.db import IntegrityError, transaction

    job = succeeded_job(owner)
    ShareLink.objects.create(job=job)

    with pytest.raises(IntegrityError), transaction.atomic():
        ShareLink.objects.create(job=job)
    ShareLink.objects.filter(job=job).update(revoked_at=timezone.now())
    ShareLink.objects.create(job=job)
    assert ShareLink.objects.filter(job=job, revoked_at__isnull=True).count() == 1


def test_revoke_leaves_an_already_revoked_link_as_it_was(owner):
    job = succeeded_job(owner)
    link, _ = share_link_create(job=job)
    share_link_revoke(job=job)
    link.refresh_from_db()
    revoked_at = link.revoked_at

    share_link_create(job=job)
    share_link_revoke(job=job)

    link.refresh_from_db()
    assert link.revoked_at == revoked_at


def test_deleting_the_job_deletes_its_links(owner_api, owner):
    job = succeeded_job(owner)
    owner_api.post(url(job))
    assert ShareLink.objects.filter(job=job).exists()

    assert owner_api.delete(reverse("jobs:detail", args=[job.id])).status_code == 204

    assert not ShareLink.objects.exists()
