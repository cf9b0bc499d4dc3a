"""Shared fixtures: a fixed cast of users (owner, other user, staff), API clients, storage."""

import os

import pytest
from rest_framework.test import APIClient

from tests.factories import TEST_CLIENT_TOKEN, UserFactory, paying_user
from webapp.accounts.services import api_token_create


def pytest_report_header(config) -> list[str]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return [
        f"stemworks: database {db['ENGINE']} {db.get('NAME')}, broker {settings.CELERY_BROKER_URL}"
    ]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Give every test its own, empty storage folder (and cheap password hashing)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def models_offered(settings):
    """Offer every model: tests run a fake engine, never a download.

    Tests of what an install without weights offers set it back to False.
    """
    settings.STEMWORKS_ALLOW_MODEL_DOWNLOAD = True


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Start every test with empty request counters (in Redis when REDIS_URL is set).

    Only the cache's own keys in the tests' Redis db go, never the broker's: the Redis
    cache's clear() would flush the whole db.
    """
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key("*")))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture
def owner(db):
    """A customer with a verified e-mail address and 100 credits."""
    return paying_user(UserFactory(username="owner"), credits=100)


@pytest.fixture
def other_user(db):
    return UserFactory(username="other")


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True, is_superuser=True)


def _token_client(user) -> APIClient:
    """Return an API client that sends a named token of `user`, as scripts do."""
    client = APIClient()
    _, key = api_token_create(user=user, name=TEST_CLIENT_TOKEN)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()


@pytest.fixture
def owner_api(owner) -> APIClient:
    return _token_client(owner)


@pytest.fixture
def other_api(other_user) -> APIClient:
    return _token_client(other_user)


@pytest.fixture
def staff_api(staff) -> APIClient:
    return _token_client(staff)


@pytest.fixture
def redis_url() -> str:
    """The Redis the tests must use; a missing one is an error, never a skip."""
    url = os.environ.get("REDIS_URL")
    assert url, "REDIS_URL is not set: run the suite with `make test` (PostgreSQL and Redis)."
    return url
