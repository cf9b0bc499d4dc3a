"""Reads of jobs and stems, always scoped to their owner (another user gets a 404)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from webapp.jobs.errors import NoStems
from webapp.jobs.models import Job, PreviewUse, Status, Stem, StemFile

PREVIEW_WINDOW = timedelta(days=1)


def jobs_for_user(*, user) -> QuerySet[Job]:
    """Return the user's jobs, newest first, with their stems."""
    return Job.objects.filter(owner=user).prefetch_related("stems__files").order_by("-created_at")


def jobs_page_for_user(*, user) -> QuerySet[Job]:
    """Return the user's jobs for listing: stems and stored copies, without the copies' names."""
    stems = Stem.objects.only("id", "job_id", "name", "duration", "sample_rate", "peaks")
    files = StemFile.objects.only("id", "stem_id", "format", "size", "sample_rate")
    return (
        Job.objects.filter(owner=user)
        .prefetch_related(Prefetch("stems", queryset=stems), Prefetch("stems__files", files))
        .order_by("-created_at")
    )


def job_for_user(*, user, job_id: object) -> Job:
    """Return one of the user's jobs, or raise Http404 (also for other users' jobs)."""
    job = jobs_for_user(user=user).filter(id=job_id).first()
    if job is None:
        raise Http404("You have no job with this id.")
    return job


def finished_job_for_user(*, user, job_id: object) -> Job:
    """Return one of the user's jobs that has stems; NoStems (409) while it has none."""
    job = job_for_user(user=user, job_id=job_id)
    if job.status != Status.SUCCEEDED:
        raise NoStems(f"The job has no stems: it is {job.status}.")
    if job.purged_at is not None:
        raise NoStems("The stems of this job were deleted after the retention period.")
    return job


def stem_for_user(*, user, job_id: object, name: str) -> Stem:
    """Return a stem of one of the user's finished jobs: 404 for an unknown job or stem name."""
    job = finished_job_for_user(user=user, job_id=job_id)
    # The job came with its stems and their stored copies: no further query.
    stems = list(job.stems.all())
    for stem in stems:
        if stem.name == name:
            return stem
    names = ", ".join(stem.name for stem in stems)
    raise Http404(f"This job has no stem {name!r}; its stems are: {names}.")


@dataclass(frozen=True)
class PreviewAllowance:
    per_day: int
    used: int
    # When the limit is reached: when the next preview frees up (None otherwise).
    next_at: datetime | None

    @property
    def left(self) -> int:
        return max(0, self.per_day - self.used)


def preview_allowance(*, user, now: datetime | None = None) -> PreviewAllowance:
    """Return how many free previews the user has left in the rolling 24 hours."""
    now = now or timezone.now()
    taken = PreviewUse.objects.filter(owner=user, created_at__gte=now - PREVIEW_WINDOW)
    times = list(taken.order_by("created_at").values_list("created_at", flat=True))
    per_day = settings.STEMWORKS_PREVIEWS_PER_DAY
    next_at = None
    if per_day and len(times) >= per_day:
        # One frees up when enough of the oldest leave the window to go below the limit.
        next_at = times[len(times) - per_day] + PREVIEW_WINDOW
    return PreviewAllowance(per_day=per_day, used=len(times), next_at=next_at)
