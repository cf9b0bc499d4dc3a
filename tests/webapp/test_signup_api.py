"""POST /api/v1/auth/signup: an account, a verification e-mail, an Argon2 password hash."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

URL = "/api/v1/auth/signup"
GOOD = {"username": "newbie", "email": "newbie@example.com", "password": "a long new passphrase"}


def test_it_creates_an_unverified_account_and_emails_a_verification_link(
    anonymous_api, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous_api.post(URL, GOOD)

    assert response.status_code == 201
    assert response.json() == {
        "id": get_user_model().objects.get(username="newbie").id,
        "username": "newbie",
        "email": "newbie@example.com",
        "email_verified": False,
    }
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newbie@example.com"]
    assert "/accounts/verify-email/" in mail.outbox[0].body


def test_passwords_are_hashed_with_argon2(anonymous_api, settings, db):
    from webapp import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS

    anonymous_api.post(URL, GOOD)

    assert get_user_model().objects.get(username="newbie").password.startswith("argon2")


def test_it_returns_400_for_a_taken_username_or_email(anonymous_api, owner):
    response = anonymous_api.post(URL, {**GOOD, "username": "OWNER", "email": "owner@example.com"})

    assert response.status_code == 400
    assert set(response.json()) == {"username", "email"}


def test_it_returns_400_for_a_weak_password(anonymous_api, db):
    response = anonymous_api.post(URL, {**GOOD, "password": "12345678"})

    assert response.status_code == 400
    assert response.json()["password"]
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_it_returns_400_for_a_bad_email(anonymous_api, db):
    response = anonymous_api.post(URL, {**GOOD, "email": "not-an-address"})

    assert response.status_code == 400
    assert "email" in response.json()


def test_the_verification_link_uses_the_address_the_server_was_reached_at(
    anonymous_api, settings, db, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["stemworks.example"]
    settings.SITE_URL = ""

    with django_capture_on_commit_callbacks(execute=True):
        anonymous_api.post(URL, GOOD, HTTP_HOST="stemworks.example:8011")

    assert "http://stemworks.example:8011/accounts/verify-email/" in mail.outbox[0].body
    assert ":8000" not in mail.outbox[0].body


def test_a_configured_site_url_wins_over_the_host_a_proxy_passes_on(
    anonymous_api, settings, db, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["app"]
    settings.SITE_URL = "https://stems.example.org"

    with django_capture_on_commit_callbacks(execute=True):
        anonymous_api.post(URL, GOOD, HTTP_HOST="app:8000")

    assert "https://stems.example.org/accounts/verify-email/" in mail.outbox[0].body
    assert "app:8000" not in mail.outbox[0].body


def test_a_sign_up_without_a_request_links_to_site_url(
    settings, db, django_capture_on_commit_callbacks
):
    from webapp.accounts.services import user_signup

    settings.SITE_URL = "https://stems.example.org"

    with django_capture_on_commit_callbacks(execute=True):
        user_signup(**GOOD)

    assert "https://stems.example.org/accounts/verify-email/" in mail.outbox[0].body


def test_a_host_outside_allowed_hosts_gets_400_and_no_mail(
    anonymous_api, settings, db, django_capture_on_commit_callbacks
):
    settings.ALLOWED_HOSTS = ["stemworks.example"]

    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous_api.post(URL, GOOD, HTTP_HOST="evil.example:8011")

    assert response.status_code == 400
    assert mail.outbox == []


@pytest.mark.parametrize("username", ["ab", "has space", "semi;colon", "x" * 151])
def test_it_returns_400_for_a_username_outside_the_rule(anonymous_api, db, username):
    response = anonymous_api.post(URL, {**GOOD, "username": username})

    assert response.status_code == 400
    assert "username" in response.json()
    assert not get_user_model().objects.filter(email=GOOD["email"]).exists()


def test_the_signup_page_applies_the_same_username_rule(client, db):
    response = client.post(
        "/accounts/signup/", {"username": "has space", "email": "a@example.com", "password": "x"}
    )

    assert response.status_code == 200
    assert "3 to 150 letters" in response.content.decode()
    assert not get_user_model().objects.filter(email="a@example.com").exists()
