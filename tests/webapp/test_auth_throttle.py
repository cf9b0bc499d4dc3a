"""Anonymous log-in, sign-up and reset requests are limited per IP address."""

PASSWORD = "correct horse battery staple"


def test_guessing_passwords_is_slowed_down_with_429(anonymous_api, owner, settings):
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "3/minute"
    wrong = {"username": "owner", "password": "guess"}

    statuses = [anonymous_api.post("/api/v1/auth/login", wrong).status_code for _ in range(4)]

    assert statuses == [400, 400, 400, 429]
    right = anonymous_api.post("/api/v1/auth/login", {"username": "owner", "password": PASSWORD})
    assert right.status_code == 429
    assert "available in" in right.json()["detail"]


def test_another_address_is_counted_on_its_own(anonymous_api, owner, settings):
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "1/minute"
    anonymous_api.post("/api/v1/auth/password/reset", {"email": "owner@example.com"})

    response = anonymous_api.post(
        "/api/v1/auth/password/reset", {"email": "owner@example.com"}, REMOTE_ADDR="10.0.0.9"
    )

    assert response.status_code == 202


def test_signed_in_users_are_not_throttled_elsewhere(owner_api, settings):
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "1/minute"

    statuses = {owner_api.get("/api/v1/auth/me").status_code for _ in range(3)}

    assert statuses == {200}
