"""Migration accounts 0002: DRF's plain-text account tokens become hashed named tokens."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient

from webapp.accounts.models import ApiToken
from webapp.accounts.services import hash_key

OLD_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
migration = import_module("webapp.accounts.migrations.0002_move_drf_tokens")


def tables() -> list[str]:
    return connection.introspection.table_names()


def dump_contains(text: str) -> bool:
    """Return whether any value in any table of the database contains `text`."""
    with connection.cursor() as cursor:
        for table in tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            if any(text in str(value) for row in cursor.fetchall() for value in row):
                return True
    return False


@pytest.fixture
def old_token(owner):
    """The authtoken_token table as DRF left it, with one key of `owner`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, "
            "user_id integer NOT NULL UNIQUE REFERENCES auth_user (id))"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, '2026-01-02T03:04:05Z', %s)",
            [OLD_KEY, owner.id],
        )
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('authtoken', '0001_initial', now())"
        )
    return OLD_KEY


def migrate() -> None:
    with connection.schema_editor() as editor:
        migration.Migration.operations[0].code(apps, editor)


def test_a_migrated_account_token_still_authenticates(old_token, owner):
    migrate()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_token}")
    response = client.get("/api/v1/auth/me")

    assert response.status_code == 200
    assert response.json()["username"] == "owner"
    token = ApiToken.objects.get(user=owner)
    assert (token.name, token.key_hash) == ("account token (migrated)", hash_key(old_token))
    assert token.created_at.isoformat().startswith("2026-01-02T03:04:05")


def test_no_table_holds_the_plain_key_after_the_migration(old_token):
    assert dump_contains(old_token)  # the check can see a key where there is one

    migrate()

    assert "authtoken_token" not in tables()
    assert not dump_contains(old_token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone()[0] == 0


def test_a_migrated_token_can_be_revoked_like_any_other(old_token, owner):
    migrate()
    token = ApiToken.objects.get(user=owner)
    token.revoked_at = token.created_at
    token.save()

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {old_token}")

    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_database_that_never_had_the_old_table_is_left_alone(owner):
    migrate()

    assert not ApiToken.objects.exists()


def test_the_old_token_app_is_gone(settings):
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    assert settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] == [
        "webapp.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ]
