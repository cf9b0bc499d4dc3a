"""Slow down guessing: anonymous sign-up, log-in, reset and verification requests per IP."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AuthThrottle(AnonRateThrottle):
    scope = "auth"

    def get_rate(self) -> str:
        return settings.STEMWORKS_AUTH_THROTTLE_RATE
