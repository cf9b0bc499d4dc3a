"""E-mail verification: the link proves the address, and a paid job needs it."""

import re
import time

import pytest
from django.core import mail

from tests.factories import wav_upload
from webapp.accounts.selectors import email_is_verified
from webapp.accounts.services import email_verification_token
from webapp.billing.services import credits_grant


def sent_token() -> str:
    return re.search(r"/accounts/verify-email/([^/\s]+)/", mail.outbox[-1].body).group(1)


def test_the_emailed_link_verifies_the_address(other_api, other_user, client):
    assert other_api.post("/api/v1/auth/email/send").status_code == 202

    response = client.get(f"/accounts/verify-email/{sent_token()}/")

    assert response.status_code == 200
    assert b"is verified" in response.content
    assert email_is_verified(user=other_user)


def test_a_new_link_uses_the_address_the_server_was_reached_at(other_api, settings):
    settings.ALLOWED_HOSTS = ["stemworks.example"]
    settings.SITE_URL = ""

    other_api.post("/api/v1/auth/email/send", HTTP_HOST="stemworks.example:8011")

    assert "http://stemworks.example:8011/accounts/verify-email/" in mail.outbox[-1].body


@pytest.mark.parametrize(
    ("max_age", "lifetime"),
    [(3 * 24 * 3600, "72 hours"), (3600, "1 hour"), (60, "1 minute"), (1800, "30 minutes")],
)
def test_the_email_says_how_long_the_link_works(other_api, settings, max_age, lifetime):
    settings.STEMWORKS_EMAIL_VERIFY_MAX_AGE_S = max_age

    other_api.post("/api/v1/auth/email/send")

    assert f"It works for {lifetime}." in mail.outbox[-1].body


def test_the_api_verifies_a_token_too(anonymous_api, other_user):
    response = anonymous_api.post(
        "/api/v1/auth/email/verify", {"token": email_verification_token(user=other_user)}
    )

    assert response.status_code == 200
    assert response.json()["email_verified"] is True


def test_a_link_for_an_old_address_does_not_verify_the_new_one(anonymous_api, other_user):
    token = email_verification_token(user=other_user)
    other_user.email = "new@example.com"
    other_user.save()

    response = anonymous_api.post("/api/v1/auth/email/verify", {"token": token})

    assert response.status_code == 400
    assert "no longer uses" in response.json()["token"][0]
    assert not email_is_verified(user=other_user)


def test_an_expired_link_is_refused(client, other_user, settings, monkeypatch):
    settings.STEMWORKS_EMAIL_VERIFY_MAX_AGE_S = 60
    token = email_verification_token(user=other_user)
    later = time.time() + 120
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    response = client.get(f"/accounts/verify-email/{token}/")

    assert response.status_code == 400
    assert b"expired" in response.content
    assert not email_is_verified(user=other_user)


def test_a_tampered_link_is_refused(client, other_user):
    token = email_verification_token(user=other_user)

    response = client.get(f"/accounts/verify-email/{token[:-2]}xx/")

    assert response.status_code == 400
    assert not email_is_verified(user=other_user)


def test_a_verified_user_with_credits_can_run_a_paid_job(
    anonymous_api, other_api, other_user, monkeypatch
):
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)
    credits_grant(user=other_user, amount=5, reason="gift")
    assert other_api.post("/api/v1/jobs", {"file": wav_upload()}).status_code == 403

    anonymous_api.post(
        "/api/v1/auth/email/verify", {"token": email_verification_token(user=other_user)}
    )

    assert other_api.post("/api/v1/jobs", {"file": wav_upload()}).status_code == 201
