"""Writes for user accounts."""

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def demo_user_ensure(*, username: str, password: str) -> tuple[object, str]:
    """Create (or reset) a demo user with `password`; return it and its API token."""
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.save()
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key
