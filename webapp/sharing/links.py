"""Absolute URLs of a shared job's resources: JobLinks' interface, on the public routes.

The player template takes either object: the owner's page passes JobLinks, the shared
page SharedLinks, and every link it builds leads where that visitor may go.
"""

from urllib.parse import quote

from django.http import HttpRequest
from django.urls import reverse


class SharedLinks:
    """Build the public links of the job that `token` opens (absolute when there is a request)."""

    def __init__(self, request: HttpRequest | None, token: str) -> None:
        self.origin = request.build_absolute_uri("/")[:-1] if request is not None else ""
        self.token = token

    def _link(self, view: str, *args: str) -> str:
        return self.origin + reverse(view, args=[self.token, *args])

    def page(self) -> str:
        """Return the shared job's page: the link the owner hands out."""
        return self._link("pages:shared")

    def stem(self, job_id: object, name: str, fmt: str | None = None) -> str:
        url = self._link("sharing:stem", name)
        return f"{url}?format={quote(fmt)}" if fmt else url

    def peaks(self, job_id: object, name: str) -> str:
        return self._link("sharing:peaks", name)

    def zip(self, job_id: object) -> str:
        return self._link("sharing:zip")
