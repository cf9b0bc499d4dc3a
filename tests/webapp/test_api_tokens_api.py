"""/api/v1/tokens: named API tokens a user creates, lists and revokes."""

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import TEST_CLIENT_TOKEN
from webapp.accounts.authentication import ApiTokenAuthentication
from webapp.accounts.models import ApiToken

URL = "/api/v1/tokens"


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_it_creates_a_named_token_and_shows_its_key_once(owner_api, owner):
    response = owner_api.post(URL, {"name": "laptop script"})

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "laptop script"
    assert body["key"].startswith("sw_") and body["key"].startswith(body["prefix"])
    token = ApiToken.objects.get(user=owner, name="laptop script")
    assert body["key"] not in token.key_hash  # only a hash is stored
    assert all("key" not in listed for listed in owner_api.get(URL).json()["results"])


def test_a_new_token_authenticates_api_calls_and_records_its_use(owner_api):
    key = owner_api.post(URL, {"name": "ci"}).json()["key"]

    response = client_with(key).get("/api/v1/jobs")

    assert response.status_code == 200
    assert ApiToken.objects.get(name="ci").last_used_at is not None


def test_it_lists_only_the_users_own_tokens(owner_api, other_api):
    owner_api.post(URL, {"name": "mine"})
    other_api.post(URL, {"name": "theirs"})

    names = [t["name"] for t in owner_api.get(URL).json()["results"]]

    assert names == ["mine", TEST_CLIENT_TOKEN]


def test_a_revoked_token_gets_401_and_leaves_the_list(owner_api):
    created = owner_api.post(URL, {"name": "old"}).json()

    response = owner_api.delete(f"{URL}/{created['id']}")

    assert response.status_code == 204
    assert client_with(created["key"]).get("/api/v1/jobs").status_code == 401
    assert [t["name"] for t in owner_api.get(URL).json()["results"]] == [TEST_CLIENT_TOKEN]
    assert ApiToken.objects.get(name="old").revoked_at is not None


def test_revoking_another_users_token_returns_404_and_keeps_it_working(owner_api, other_api):
    created = other_api.post(URL, {"name": "theirs"}).json()

    assert owner_api.delete(f"{URL}/{created['id']}").status_code == 404
    assert client_with(created["key"]).get("/api/v1/jobs").status_code == 200


def test_a_made_up_token_gets_401(db):
    assert client_with("sw_not-a-real-key").get("/api/v1/jobs").status_code == 401


def test_a_token_needs_a_name(owner_api):
    response = owner_api.post(URL, {})

    assert response.status_code == 400
    assert "name" in response.json()


def test_tokens_need_credentials(anonymous_api, db):
    assert anonymous_api.get(URL).status_code == 401
    assert anonymous_api.post(URL, {"name": "x"}).status_code == 401


def test_a_token_used_again_within_a_minute_costs_one_query(
    owner_api, owner, django_assert_num_queries
):
    key = owner_api.post(URL, {"name": "busy script"}).json()["key"]
    auth = ApiTokenAuthentication()
    auth.authenticate_credentials(key)  # first use: recorded
    first_use = ApiToken.objects.get(name="busy script").last_used_at

    with django_assert_num_queries(1):
        user, _ = auth.authenticate_credentials(key)

    assert user == owner
    assert ApiToken.objects.get(name="busy script").last_used_at == first_use


def test_a_token_used_after_a_minute_records_the_new_use(owner_api):
    key = owner_api.post(URL, {"name": "nightly"}).json()["key"]
    ApiToken.objects.filter(name="nightly").update(
        last_used_at=timezone.now() - timedelta(minutes=5)
    )

    client_with(key).get("/api/v1/auth/me")

    assert timezone.now() - ApiToken.objects.get(name="nightly").last_used_at < timedelta(
        seconds=10
    )
