"""Reads of jobs and stems, always scoped to their owner (another user gets a 404)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from webapp.jobs.models import Job, Stem


def jobs_for_user(*, user) -> QuerySet[Job]:
    """Return the user's jobs, newest first, with their stems."""
    return Job.objects.filter(owner=user).prefetch_related("stems").order_by("-created_at")


def job_for_user(*, user, job_id: object) -> Job:
    """Return one of the user's jobs, or raise Http404 (also for other users' jobs)."""
    return get_object_or_404(jobs_for_user(user=user), id=job_id)


def stem_for_user(*, user, job_id: object, name: str) -> Stem:
    """Return a stem of one of the user's jobs, or raise Http404."""
    return get_object_or_404(
        Stem.objects.select_related("job"), job__owner=user, job_id=job_id, name=name
    )
