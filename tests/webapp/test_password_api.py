"""Password change and reset through the API."""

import re

from django.contrib.auth import authenticate
from django.core import mail

OLD = "correct horse battery staple"
NEW = "an entirely new passphrase"


def test_a_user_changes_their_password(owner_api, owner):
    response = owner_api.post(
        "/api/v1/auth/password/change", {"old_password": OLD, "new_password": NEW}
    )

    assert response.status_code == 204
    assert authenticate(username="owner", password=NEW) is not None
    assert authenticate(username="owner", password=OLD) is None


def test_a_wrong_current_password_returns_400(owner_api, owner):
    response = owner_api.post(
        "/api/v1/auth/password/change", {"old_password": "guess", "new_password": NEW}
    )

    assert response.status_code == 400
    assert "old_password" in response.json()
    assert authenticate(username="owner", password=OLD) is not None


def test_guessing_the_current_password_is_throttled_per_user(owner_api, owner, settings):
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "2/minute"
    guess = {"old_password": "guess", "new_password": NEW}

    answers = [owner_api.post("/api/v1/auth/password/change", guess) for _ in range(3)]

    assert [a.status_code for a in answers] == [400, 400, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_a_weak_new_password_returns_400(owner_api, owner):
    response = owner_api.post(
        "/api/v1/auth/password/change", {"old_password": OLD, "new_password": "password"}
    )

    assert response.status_code == 400
    assert response.json()["new_password"]


def reset_link_parts() -> tuple[str, str]:
    match = re.search(r"/accounts/reset/([^/]+)/([^/]+)/", mail.outbox[-1].body)
    return match.group(1), match.group(2)


def test_a_reset_link_sets_a_new_password_once(anonymous_api, owner):
    response = anonymous_api.post("/api/v1/auth/password/reset", {"email": "owner@example.com"})
    assert response.status_code == 202
    uid, token = reset_link_parts()
    confirm = {"uid": uid, "token": token, "new_password": NEW}

    assert anonymous_api.post("/api/v1/auth/password/reset/confirm", confirm).status_code == 204
    assert authenticate(username="owner", password=NEW) is not None
    again = anonymous_api.post("/api/v1/auth/password/reset/confirm", confirm)
    assert again.status_code == 400
    assert "token" in again.json()


def test_the_reset_link_uses_the_address_the_server_was_reached_at(anonymous_api, owner, settings):
    settings.ALLOWED_HOSTS = ["stemworks.example"]
    settings.SITE_URL = ""

    anonymous_api.post(
        "/api/v1/auth/password/reset",
        {"email": "owner@example.com"},
        HTTP_HOST="stemworks.example:8011",
    )

    assert "http://stemworks.example:8011/accounts/reset/" in mail.outbox[-1].body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(anonymous_api, db):
    response = anonymous_api.post("/api/v1/auth/password/reset", {"email": "nobody@example.com"})

    assert response.status_code == 202
    assert mail.outbox == []


def test_a_forged_reset_token_returns_400(anonymous_api, owner):
    response = anonymous_api.post(
        "/api/v1/auth/password/reset/confirm",
        {"uid": "MQ", "token": "abc-123", "new_password": NEW},
    )

    assert response.status_code == 400
    assert authenticate(username="owner", password=OLD) is not None
