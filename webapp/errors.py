"""Errors a person can act on, raised by services with the HTTP status they map to.

Services raise these; views let them through, and `webapp.exception_handler` turns them
into responses in one place. This module imports nothing of DRF, so any layer may use it.
"""

from typing import Any


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


class FieldErrors(ApplicationError):
    """Several reasons, per form field: `{field: [reason, ...]}`."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return dict(self.errors)


class Conflict(ApplicationError):
    """The resource is in a state where the asked action makes no sense."""

    status_code = 409
