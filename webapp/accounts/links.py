"""The address of this site for links in e-mails and redirects."""

from django.conf import settings
from django.http import HttpRequest

FALLBACK_SITE_URL = "http://127.0.0.1:8000"


def site_url(request: HttpRequest | None = None) -> str:
    """Return the configured SITE_URL; unset, scheme://host[:port] of `request`.

    A configured address wins, so links stay right behind a proxy that rewrites the host
    or ends TLS; `make run` sets it from HOST and PORT. Without either, the fallback.
    """
    if settings.SITE_URL:
        return settings.SITE_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return FALLBACK_SITE_URL
