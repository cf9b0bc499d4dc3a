"""Why a job action was refused, each with the HTTP status and form field it maps to."""

from webapp.errors import ApplicationError, Conflict


class JobConflict(Conflict):
    """The job is in a state where the asked change makes no sense."""


class NoStems(Conflict):
    """The job has no stems to give: it is not finished, or they were deleted."""


class InvalidPreviewStart(ApplicationError):
    """The asked preview start does not fit the song."""

    field = "preview_start"


class SourceGone(ApplicationError):
    """The earlier job's upload no longer exists."""

    field = "source_job"


class EmailNotVerified(ApplicationError):
    """A paid job needs a verified e-mail address."""

    status_code = 403


class PreviewLimitReached(ApplicationError):
    """The user has used today's free previews; `retry_after` says when the next one frees up."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def body(self) -> dict:
        return {**super().body(), "retry_after": self.retry_after}

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class UnknownFormat(ApplicationError):
    """The asked audio format is not one we store."""

    field = "format"


class FormatNotStored(Conflict):
    """The stem has no copy in the asked format (a job stored before every format was made)."""


class PeaksNotStored(Conflict):
    """The stem has no waveform peaks (a job stored before the worker made them)."""


class CostAboveLimit(Conflict):
    """The job costs more than the caller agreed to pay."""
