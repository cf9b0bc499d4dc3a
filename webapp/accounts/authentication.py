"""API authentication with named tokens (`Authorization: Token sw_...`)."""

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from webapp.accounts.models import ApiToken
from webapp.accounts.services import TOKEN_PREFIX, hash_key


class ApiTokenAuthentication(TokenAuthentication):
    """Accept our named tokens; leave any other `Token` key to DRF's account token."""

    def authenticate(self, request):
        parts = request.META.get("HTTP_AUTHORIZATION", "").split()
        if len(parts) != 2 or parts[0] != self.keyword or not parts[1].startswith(TOKEN_PREFIX):
            return None
        return self.authenticate_credentials(parts[1])

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        ApiToken.objects.filter(id=token.id).update(last_used_at=timezone.now())
        return token.user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiTokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A named API token from POST /api/v1/tokens: `Token sw_...`.",
        }
