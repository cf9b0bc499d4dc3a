"""One mapping from the errors services raise to API responses (DRF's EXCEPTION_HANDLER)."""

from rest_framework.response import Response
from rest_framework.views import exception_handler

from separation.errors import SeparationError
from webapp.errors import ApplicationError


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn ApplicationError and the engine's input errors into responses; DRF does the rest."""
    if isinstance(exc, ApplicationError):
        return Response(exc.body(), status=exc.status_code, headers=exc.headers())
    if isinstance(exc, SeparationError):
        # Unusable audio or options found while checking an upload.
        return Response({"file": [str(exc)]}, status=400)
    return exception_handler(exc, context)
