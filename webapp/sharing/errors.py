"""Why a share-link action or a shared download was refused."""

from webapp.errors import ApplicationError, Conflict


class NotShareable(Conflict):
    """Only a succeeded job whose stems still exist can be shared."""


class NoShareLink(ApplicationError):
    """The job has no active share link."""

    status_code = 404


class InvalidShareLink(ApplicationError):
    """The token opens nothing: unknown, revoked, or its job is gone or has no stems."""

    status_code = 404


NO_LINK = "This job has no share link."
