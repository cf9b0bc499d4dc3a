"""Reads of accounts."""

from django.db.models import QuerySet

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
