"""The server-rendered account pages: sign up, log in, log out, password change and reset."""

import re

from django.contrib.auth import authenticate, get_user_model
from django.core import mail
from django.test import Client

PASSWORD = "correct horse battery staple"


def test_the_signup_page_creates_an_account_and_logs_it_in(db, django_capture_on_commit_callbacks):
    client = Client()
    assert client.get("/accounts/signup/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/signup/",
            {"username": "fresh", "email": "fresh@example.com", "password": "a fine passphrase"},
        )

    assert response.status_code == 302
    assert get_user_model().objects.filter(username="fresh").exists()
    assert client.get("/api/v1/auth/me").json()["username"] == "fresh"
    assert "verify-email" in mail.outbox[0].body


def test_the_signup_page_shows_why_it_refused(owner):
    response = Client().post(
        "/accounts/signup/",
        {"username": "owner", "email": "x@example.com", "password": "a fine passphrase"},
    )

    assert response.status_code == 200
    assert b"This username is taken." in response.content


def test_the_login_page_logs_in_and_logout_logs_out(owner):
    client = Client()
    assert client.get("/accounts/login/").status_code == 200

    response = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_the_password_change_page_changes_the_password(owner):
    client = Client()
    client.force_login(owner)

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "brand new words",
            "new_password2": "brand new words",
        },
    )

    assert response.status_code == 302
    assert authenticate(username="owner", password="brand new words") is not None


def test_the_password_reset_pages_send_a_link_that_works(owner):
    client = Client()

    client.post("/accounts/password_reset/", {"email": "owner@example.com"})
    link = re.search(r"http://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session marker
    response = client.post(
        form_url, {"new_password1": "reset words here", "new_password2": "reset words here"}
    )

    assert response.status_code == 302
    assert authenticate(username="owner", password="reset words here") is not None
