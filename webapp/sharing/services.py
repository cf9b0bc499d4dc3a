"""Writes of share links: the owner makes a job's link, or revokes it."""

from django.db import transaction
from django.utils import timezone

from webapp.jobs.models import Job, Status
from webapp.sharing.errors import NO_LINK, NoShareLink, NotShareable
from webapp.sharing.models import ShareLink


@transaction.atomic
def share_link_create(*, job: Job) -> tuple[ShareLink, bool]:
    """Return the job's active share link and False, or a new one and True.

    Only a succeeded job whose stems still exist can be shared (NotShareable, 409).
    """
    # Lock the job: two requests at once get one link, and a purge cannot slip in between.
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.status != Status.SUCCEEDED:
        raise NotShareable(f"Only a succeeded job can be shared; this one is {locked.status}.")
    if locked.purged_at is not None:
        raise NotShareable(
            "This job cannot be shared: its stems were deleted after the retention period."
        )
    link = ShareLink.objects.filter(job=locked, revoked_at__isnull=True).first()
    if link is not None:
        return link, False
    return ShareLink.objects.create(job=locked), True


def share_link_revoke(*, job: Job) -> None:
    """Revoke the job's active share link for good; NoShareLink (404) when it has none."""
    revoked = ShareLink.objects.filter(job=job, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked:
        raise NoShareLink(NO_LINK)
