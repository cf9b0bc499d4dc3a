"""Writes of feedback."""

from django.db import transaction

from webapp.feedback.models import JobFeedback, StemFeedback
from webapp.jobs.models import Job, Status


class FeedbackRefused(Exception):
    """Feedback that does not fit the job; `field` says which part."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def feedback_save(
    *, job: Job, user, rating: int, comment: str = "", stems: dict[str, bool] | None = None
) -> tuple[JobFeedback, bool]:
    """Create or replace the user's feedback on a succeeded job; return it and whether it is new."""
    if job.status != Status.SUCCEEDED:
        raise FeedbackRefused(
            "job", f"Only a succeeded job can be rated; this one is {job.status}."
        )
    if stems:
        known = set(job.stems.values_list("name", flat=True))
        unknown = sorted(set(stems) - known)
        if unknown and known:
            raise FeedbackRefused(
                "stems",
                f"This job has no stem {', '.join(unknown)}; it has {', '.join(sorted(known))}.",
            )
    with transaction.atomic():
        # update_or_create retries a lost race for the first row through the unique constraint.
        feedback, created = JobFeedback.objects.update_or_create(
            job=job, user=user, defaults={"rating": rating, "comment": comment}
        )
        if stems is not None:
            feedback.stems.all().delete()
            StemFeedback.objects.bulk_create(
                StemFeedback(feedback=feedback, stem=name, thumbs_up=up)
                for name, up in sorted(stems.items())
            )
    return feedback, created
