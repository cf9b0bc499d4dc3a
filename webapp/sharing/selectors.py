"""Reads of share links, and of the one job (and its stems) a share token opens."""

from django.http import Http404

from webapp.jobs.models import Job, Status, Stem
from webapp.sharing.errors import InvalidShareLink
from webapp.sharing.models import ShareLink

INVALID = "This share link is not valid: it was revoked, or never existed."


def share_link_for_job(*, job: Job) -> ShareLink | None:
    """Return the job's active share link, or None."""
    return ShareLink.objects.filter(job=job, revoked_at__isnull=True).first()


def shared_job(*, token: str) -> Job:
    """Return the succeeded, unpurged job an active link opens, with its stems and files.

    Every other case (unknown or revoked token, job deleted, purged or without stems)
    is the same 404, so a visitor learns nothing about what lies behind a token.
    """
    job = (
        Job.objects.filter(
            # One filter() call: both conditions hold for the same link.
            share_links__token=token,
            share_links__revoked_at__isnull=True,
            status=Status.SUCCEEDED,
            purged_at__isnull=True,
        )
        .prefetch_related("stems__files")
        .first()
    )
    if job is None:
        raise InvalidShareLink(INVALID)
    return job


def shared_stem(*, token: str, name: str) -> Stem:
    """Return the stem `name` of the job a share token opens; 404 for a name it lacks."""
    job = shared_job(token=token)
    # The job came with its stems and their stored copies: no further query.
    stems = list(job.stems.all())
    for stem in stems:
        if stem.name == name:
            return stem
    names = ", ".join(stem.name for stem in stems)
    raise Http404(f"This job has no stem {name!r}; its stems are: {names}.")
