"""Slow down guessing and floods: auth requests per IP address, new jobs per user."""

import math

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class AuthThrottle(AnonRateThrottle):
    """Anonymous sign-up, log-in (API and form), reset and verification requests per IP."""

    scope = "auth"

    def get_rate(self) -> str:
        return settings.STEMWORKS_AUTH_THROTTLE_RATE


class UploadThrottle(UserRateThrottle):
    """Job creation (uploads) per user; listing jobs on the same route is not counted."""

    scope = "upload"

    def get_rate(self) -> str:
        return settings.STEMWORKS_UPLOAD_THROTTLE_RATE

    def allow_request(self, request, view) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


class PasswordCheckThrottle(UserRateThrottle):
    """Requests that check a signed-in user's password (change it, delete the account) per
    user, at the auth rate: a stolen session cannot guess the password at leisure."""

    scope = "password-check"

    def get_rate(self) -> str:
        return settings.STEMWORKS_AUTH_THROTTLE_RATE


def auth_retry_after(request: HttpRequest) -> int | None:
    """Count an auth attempt from a plain Django view; return seconds to wait when over."""
    throttle = AuthThrottle()
    if throttle.allow_request(request, None):
        return None
    return max(1, math.ceil(throttle.wait() or 1))
