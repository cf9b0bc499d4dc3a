"""POST /api/v1/auth/token: trade a username and password for the API token."""

from rest_framework.authtoken.models import Token


def test_it_returns_the_token_of_the_user(anonymous_api, owner):
    response = anonymous_api.post(
        "/api/v1/auth/token", {"username": "owner", "password": "correct horse battery staple"}
    )

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=owner).key}


def test_the_token_authenticates_api_calls(anonymous_api, owner):
    token = anonymous_api.post(
        "/api/v1/auth/token", {"username": "owner", "password": "correct horse battery staple"}
    ).json()["token"]

    anonymous_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert anonymous_api.get("/api/v1/jobs").status_code == 200


def test_it_returns_400_for_a_wrong_password(anonymous_api, owner):
    response = anonymous_api.post("/api/v1/auth/token", {"username": "owner", "password": "nope"})

    assert response.status_code == 400
    assert not Token.objects.filter(user=owner).exists()
