"""Absolute URLs of a job's resources, from URL patterns reversed once per process.

A page of jobs carries a hundred links or more; reversing each one costs more than the
rest of the page, so each pattern is reversed once with stand-in values and filled in.
"""

import functools
import uuid

from django.urls import reverse
from rest_framework.request import Request

_JOB = str(uuid.UUID(int=0))
_NAME = "stem-name-stand-in"
_PER_STEM = {"jobs:stem", "jobs:peaks"}


@functools.cache
def _pattern(view: str) -> str:
    args = [_JOB, _NAME] if view in _PER_STEM else [_JOB]
    return reverse(view, args=args)


class JobLinks:
    """Build the links of jobs for one request (absolute when there is a request)."""

    def __init__(self, request: Request | None) -> None:
        self.origin = request.build_absolute_uri("/")[:-1] if request is not None else ""

    def _link(self, view: str, job_id: object, name: str = "") -> str:
        path = _pattern(view).replace(_JOB, str(job_id)).replace(_NAME, name)
        return self.origin + path

    def stem(self, job_id: object, name: str, fmt: str | None = None) -> str:
        url = self._link("jobs:stem", job_id, name)
        return f"{url}?format={fmt}" if fmt else url

    def peaks(self, job_id: object, name: str) -> str:
        return self._link("jobs:peaks", job_id, name)

    def zip(self, job_id: object) -> str:
        return self._link("jobs:zip", job_id)

    def result_json(self, job_id: object) -> str:
        return self._link("jobs:result-json", job_id)
