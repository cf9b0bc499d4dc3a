"""POST /api/v1/auth/token: trade a username and password for a new named API token."""

from webapp.accounts.models import ApiToken
from webapp.accounts.services import hash_key

URL = "/api/v1/auth/token"
PASSWORD = "correct horse battery staple"


def test_it_creates_a_named_token_and_shows_its_key_once(anonymous_api, owner):
    response = anonymous_api.post(URL, {"username": "owner", "password": PASSWORD, "name": "cli"})

    assert response.status_code == 201
    body = response.json()
    token = ApiToken.objects.get(user=owner)
    assert (body["id"], body["name"]) == (token.id, "cli")
    assert body["key"].startswith("sw_")
    assert token.key_hash == hash_key(body["key"])  # only the hash is kept


def test_a_token_without_a_name_is_called_password_log_in(anonymous_api, owner):
    response = anonymous_api.post(URL, {"username": "owner", "password": PASSWORD})

    assert response.json()["name"] == "password log-in"


def test_the_token_authenticates_api_calls(anonymous_api, owner):
    key = anonymous_api.post(URL, {"username": "owner", "password": PASSWORD}).json()["key"]

    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert anonymous_api.get("/api/v1/auth/me").json()["username"] == "owner"


def test_each_log_in_makes_its_own_token_that_can_be_revoked_alone(anonymous_api, owner):
    first = anonymous_api.post(URL, {"username": "owner", "password": PASSWORD}).json()
    second = anonymous_api.post(URL, {"username": "owner", "password": PASSWORD}).json()
    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Token {second['key']}")

    anonymous_api.delete(f"/api/v1/tokens/{first['id']}")

    assert first["key"] != second["key"]
    assert anonymous_api.get("/api/v1/auth/me").status_code == 200
    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Token {first['key']}")
    assert anonymous_api.get("/api/v1/auth/me").status_code == 401


def test_it_returns_400_for_a_wrong_password(anonymous_api, owner):
    response = anonymous_api.post(URL, {"username": "owner", "password": "nope"})

    assert response.status_code == 400
    assert response.json() == {"detail": ["Wrong username or password."]}
    assert not ApiToken.objects.filter(user=owner).exists()


def test_it_returns_400_without_a_username(anonymous_api, db):
    response = anonymous_api.post(URL, {"password": PASSWORD})

    assert response.status_code == 400
    assert "username" in response.json()
