"""Writes for user accounts: sign-up, e-mail verification, API tokens, the demo user."""

import hashlib
import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import ngettext

from webapp.accounts import links
from webapp.accounts.models import ApiToken, EmailVerification
from webapp.billing.models import CreditTransaction
from webapp.billing.services import credits_grant
from webapp.errors import ApplicationError, FieldErrors

DEMO_CREDITS = 60
DEMO_TOKEN_NAME = "demo (make run)"
TOKEN_PREFIX = "sw_"
_VERIFY_SALT = "stemworks.email-verification"


class SignupRefused(FieldErrors):
    """The sign-up data cannot make an account; `errors` maps fields to reasons."""


class VerificationFailed(ApplicationError):
    """An e-mail verification link that is broken, expired or for an old address."""

    field = "token"


def hash_key(key: str) -> str:
    """Return the SHA-256 (hex) of an API key: all the database keeps of it."""
    return hashlib.sha256(key.encode()).hexdigest()


USERNAME_RULE = re.compile(r"[\w.@+-]{3,150}")
USERNAME_HELP = "3 to 150 letters, digits and . @ + - _ only."


def user_signup(*, username: str, email: str, password: str, site_url: str | None = None):
    """Create an account and send the e-mail verification link; SignupRefused with reasons.

    `site_url` is where the link points (the address the person used); SITE_URL if None.
    """
    users = get_user_model().objects
    errors: dict[str, list[str]] = {}
    if not USERNAME_RULE.fullmatch(username):
        errors["username"] = [f"Choose a username of {USERNAME_HELP}"]
    elif users.filter(username__iexact=username).exists():
        errors["username"] = ["This username is taken."]
    if users.filter(email__iexact=email).exists():
        errors["email"] = [
            "An account with this e-mail address exists; log in or reset its password."
        ]
    candidate = get_user_model()(username=username, email=email)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise SignupRefused(errors)
    with transaction.atomic():
        user = users.create_user(username=username, email=email, password=password)
        transaction.on_commit(lambda: email_verification_send(user=user, site_url=site_url))
    return user


def email_verification_token(*, user) -> str:
    """Return a signed token that proves the holder reads `user.email`."""
    return signing.dumps({"user": user.pk, "email": user.email}, salt=_VERIFY_SALT)


def _lifetime_text(seconds: int) -> str:
    """Return "1 hour", "72 hours" or, under an hour, "1 minute", "30 minutes"."""
    if seconds >= 3600:
        hours = seconds // 3600
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    minutes = max(1, seconds // 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def email_verification_send(*, user, site_url: str | None = None) -> None:
    """E-mail the user a link (on `site_url`, else SITE_URL) that verifies their address."""
    token = email_verification_token(user=user)
    link = (site_url or links.site_url()) + reverse("verify-email", args=[token])
    send_mail(
        "Verify your e-mail address for Stemworks",
        f"Hello {user.username},\n\nopen this link to verify your e-mail address:\n\n{link}\n\n"
        f"It works for {_lifetime_text(settings.STEMWORKS_EMAIL_VERIFY_MAX_AGE_S)}.",
        None,
        [user.email],
    )


def email_verify(*, token: str):
    """Mark the address in `token` verified and return its user; VerificationFailed if not."""
    try:
        data = signing.loads(
            token, salt=_VERIFY_SALT, max_age=settings.STEMWORKS_EMAIL_VERIFY_MAX_AGE_S
        )
    except signing.SignatureExpired:
        raise VerificationFailed("This link has expired; ask for a new one.") from None
    except signing.BadSignature:
        raise VerificationFailed("This link is not valid.") from None
    user = get_user_model().objects.filter(pk=data.get("user")).first()
    if user is None or user.email.lower() != str(data.get("email", "")).lower():
        raise VerificationFailed("This link is for an address the account no longer uses.")
    EmailVerification.objects.update_or_create(
        user=user, defaults={"email": user.email, "verified_at": timezone.now()}
    )
    return user


class PasswordRefused(FieldErrors):
    """A password change or reset that cannot go ahead; `errors` maps fields to reasons."""


def _set_password(*, user, new_password: str) -> None:
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise PasswordRefused({"new_password": list(exc.messages)}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])


def password_change(*, user, old_password: str, new_password: str) -> None:
    """Change the password of a user who knows the current one."""
    if not user.check_password(old_password):
        raise PasswordRefused({"old_password": ["This is not your current password."]})
    _set_password(user=user, new_password=new_password)


def password_reset_send(*, email: str, site_url: str | None = None) -> None:
    """E-mail a reset link (on `site_url`, else SITE_URL) to the accounts with `email`.

    Silent when there is none, so the answer does not tell who has an account.
    """
    site = urlsplit(site_url or links.site_url())
    form = PasswordResetForm(data={"email": email})
    if form.is_valid():
        form.save(domain_override=site.netloc, use_https=site.scheme == "https")


def password_reset_confirm(*, uid: str, token: str, new_password: str):
    """Set a new password from the uid and token of a reset link; return the user."""
    try:
        user = get_user_model().objects.get(pk=force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise PasswordRefused({"token": ["This reset link is not valid or was already used."]})
    _set_password(user=user, new_password=new_password)
    return user


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a named API token; return it and its key, which is never shown again."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=hash_key(key))
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token: requests with it get 401 from now on."""
    ApiToken.objects.filter(id=token.id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


@transaction.atomic
def demo_user_ensure(*, username: str, password: str) -> tuple[object, str]:
    """Create (or reset) a verified demo user with `password` and some credits; return a new key.

    Only a key's hash is kept, so each run mints a named token and revokes the one before.
    """
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
    ApiToken.objects.filter(user=user, name=DEMO_TOKEN_NAME, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    _, key = api_token_create(user=user, name=DEMO_TOKEN_NAME)
    return user, key
