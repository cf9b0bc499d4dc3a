"""The address of this site for links in e-mails and redirects: the one a person reached."""

from django.conf import settings
from django.http import HttpRequest


def site_url(request: HttpRequest | None = None) -> str:
    """Return scheme://host[:port] of `request` (as ALLOWED_HOSTS let it in), else SITE_URL.

    Links built this way work on whatever port `make run PORT=...` serves; work without a
    request (a worker, a management command) falls back to the SITE_URL setting.
    """
    if request is None:
        return settings.SITE_URL.rstrip("/")
    return request.build_absolute_uri("/").rstrip("/")
