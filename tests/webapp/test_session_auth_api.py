"""POST /api/v1/auth/login, /logout and GET /auth/me: session log-in for browsers."""

from rest_framework.test import APIClient

PASSWORD = "correct horse battery staple"


def test_logging_in_starts_a_session_that_authenticates_api_calls(owner):
    client = APIClient()

    response = client.post("/api/v1/auth/login", {"username": "owner", "password": PASSWORD})

    assert response.status_code == 200
    assert response.json()["username"] == "owner"
    assert client.get("/api/v1/auth/me").json()["email_verified"] is True


def test_a_wrong_password_returns_400_and_no_session(owner):
    client = APIClient()

    response = client.post("/api/v1/auth/login", {"username": "owner", "password": "nope"})

    assert response.status_code == 400
    assert "Wrong username or password" in response.json()["detail"][0]
    assert client.get("/api/v1/auth/me").status_code == 401


def test_logging_out_ends_the_session(owner):
    client = APIClient(enforce_csrf_checks=False)
    client.post("/api/v1/auth/login", {"username": "owner", "password": PASSWORD})

    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
