"""POST /accounts/login/ is counted with the API's auth requests per IP: 429 with Retry-After."""

from django.test import Client

PASSWORD = "correct horse battery staple"


def test_the_login_form_answers_429_with_retry_after_and_says_when(owner, settings):
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "2/minute"
    client = Client()
    wrong = {"username": "owner", "password": "guess"}

    statuses = [client.post("/accounts/login/", wrong).status_code for _ in range(3)]
    right = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})

    assert statuses == [200, 200, 429]
    assert right.status_code == 429
    assert 0 < int(right["Retry-After"]) <= 60
    assert f"try again in {right['Retry-After']} second" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_showing_the_login_form_is_not_counted(owner, settings):
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "1/minute"
    client = Client()
    for _ in range(3):
        assert client.get("/accounts/login/").status_code == 200

    response = client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})

    assert response.status_code == 302


def test_the_form_and_the_api_share_one_budget_per_address(anonymous_api, owner, settings):
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "1/minute"
    anonymous_api.post("/api/v1/auth/login", {"username": "owner", "password": "guess"})

    response = Client().post("/accounts/login/", {"username": "owner", "password": PASSWORD})

    assert response.status_code == 429


def test_another_address_can_still_log_in(owner, settings):
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "1/minute"
    Client().post("/accounts/login/", {"username": "owner", "password": "guess"})

    response = Client(REMOTE_ADDR="10.0.0.9").post(
        "/accounts/login/", {"username": "owner", "password": PASSWORD}
    )

    assert response.status_code == 302
