"""Writes for user accounts."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from webapp.accounts.models import EmailVerification
from webapp.billing.models import CreditTransaction
from webapp.billing.services import credits_grant

DEMO_CREDITS = 60


@transaction.atomic
def demo_user_ensure(*, username: str, password: str) -> tuple[object, str]:
    """Create (or reset) a verified demo user with `password` and some credits; return its token."""
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.email = user.email or f"{username}@example.com"
    user.save()
    EmailVerification.objects.update_or_create(
        user=user, defaults={"email": user.email, "verified_at": timezone.now()}
    )
    # Once per demo user: running the command again must not mint credits.
    if not CreditTransaction.objects.filter(user=user, reference="demo").exists():
        credits_grant(user=user, amount=DEMO_CREDITS, reason="Demo credits", reference="demo")
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key
