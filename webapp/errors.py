"""One mapping from the errors our services raise to API responses (DRF's EXCEPTION_HANDLER).

Services raise plain exceptions that know nothing of HTTP but carry a status code and,
where a form field is at fault, its name; views just call services and let these through.
"""

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler

from separation.errors import SeparationError
from webapp.billing.services import InsufficientCredits


class ApplicationError(Exception):
    """An error a person can act on: its message goes to the client as it is."""

    status_code = 400
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field

    def body(self) -> dict[str, Any]:
        """Return the JSON body: `{field: [message]}` for a field's fault, else `{detail: ...}`."""
        if self.field:
            return {self.field: [str(self)]}
        return {"detail": str(self)}

    def headers(self) -> dict[str, str]:
        return {}


class Conflict(ApplicationError):
    """The resource is in a state where the asked action makes no sense."""

    status_code = 409


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn ApplicationError and the engine's input errors into responses; DRF does the rest."""
    if isinstance(exc, ApplicationError):
        return Response(exc.body(), status=exc.status_code, headers=exc.headers())
    if isinstance(exc, InsufficientCredits):
        body = {
            "detail": str(exc),
            **{k: getattr(exc, k) for k in ("required", "balance", "missing")},
        }
        return Response(body, status=402)
    if isinstance(exc, SeparationError):
        # Unusable audio or options found while checking an upload.
        return Response({"file": [str(exc)]}, status=400)
    return exception_handler(exc, context)
