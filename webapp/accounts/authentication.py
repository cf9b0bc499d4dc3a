"""API authentication with named tokens: `Authorization: Token <key>`, looked up by hash."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from webapp.accounts.models import ApiToken
from webapp.accounts.services import hash_key

LAST_USED_PRECISION = timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """Accept any key whose SHA-256 belongs to a working ApiToken.

    New keys start with `sw_`; account tokens from before named tokens (40 hex digits)
    were moved into ApiToken by their hash and keep working.
    """

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        # To the minute is enough to see which tokens are in use; no write on every request.
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(id=token.id).update(last_used_at=now)
        return token.user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A named API token (POST /api/v1/tokens or /api/v1/auth/token): "
            "`Token sw_...`.",
        }
