"""Reads of accounts."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from webapp.accounts.models import ApiToken, EmailVerification


def email_is_verified(*, user) -> bool:
    """Return whether the user's current e-mail address was verified."""
    return (
        bool(user.email)
        and EmailVerification.objects.filter(user=user, email__iexact=user.email).exists()
    )


def api_tokens_for_user(*, user) -> QuerySet[ApiToken]:
    """Return the user's tokens that still work, newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def api_token_for_user(*, user, token_id: int) -> ApiToken:
    """Return one of the user's working tokens, or raise Http404."""
    return get_object_or_404(api_tokens_for_user(user=user), id=token_id)
