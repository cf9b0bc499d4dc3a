"""Writes of feedback: replace the whole of it (PUT) or change some parts (PATCH)."""

from django.db import transaction

from separation import catalog
from webapp.errors import ApplicationError, Conflict
from webapp.feedback.models import JobFeedback, StemFeedback
from webapp.jobs.models import Job, Status


class FeedbackRefused(ApplicationError):
    """Feedback that does not fit the job; `field` names the part at fault."""


class JobNotRateable(Conflict):
    """Only a succeeded job can be rated."""


class FeedbackMissing(ApplicationError):
    """A change to feedback that was never given."""

    status_code = 404


def _check(*, job: Job, stems: dict | None) -> None:
    if job.status != Status.SUCCEEDED:
        raise JobNotRateable(f"Only a succeeded job can be rated; this one is {job.status}.")
    if stems:
        # The stems the job's model and target make: still known after retention.
        known = set(catalog.output_stems(job.model, job.target))
        unknown = sorted(set(stems) - known)
        if unknown:
            raise FeedbackRefused(
                f"This job has no stem {', '.join(unknown)}; it has {', '.join(sorted(known))}.",
                field="stems",
            )


def _set_thumbs(*, feedback: JobFeedback, stems: dict[str, bool | None], keep: bool) -> None:
    """Write a thumb per stem (None removes one); without `keep`, drop every other thumb."""
    if not keep:
        feedback.stems.all().delete()
    for name, up in sorted(stems.items()):
        if up is None:
            feedback.stems.filter(stem=name).delete()
        else:
            StemFeedback.objects.update_or_create(
                feedback=feedback, stem=name, defaults={"thumbs_up": up}
            )


def feedback_replace(
    *, job: Job, user, rating: int, comment: str = "", stems: dict[str, bool] | None = None
) -> tuple[JobFeedback, bool]:
    """Create or replace the user's whole feedback on a succeeded job; return it and if it is new.

    Whatever is not given is reset: no comment, no thumbs.
    """
    stems = stems or {}
    _check(job=job, stems=stems)
    with transaction.atomic():
        # update_or_create retries a lost race for the first row through the unique constraint.
        feedback, created = JobFeedback.objects.update_or_create(
            job=job, user=user, defaults={"rating": rating, "comment": comment}
        )
        _set_thumbs(feedback=feedback, stems=stems, keep=False)
    return feedback, created


def feedback_update(
    *,
    job: Job,
    user,
    rating: int | None = None,
    comment: str | None = None,
    stems: dict[str, bool | None] | None = None,
) -> JobFeedback:
    """Change only the given parts of the user's feedback; a stem's thumb None removes it."""
    _check(job=job, stems={k: v for k, v in (stems or {}).items() if v is not None})
    with transaction.atomic():
        feedback = JobFeedback.objects.select_for_update().filter(job=job, user=user).first()
        if feedback is None:
            raise FeedbackMissing("You have not rated this job yet: PUT a rating first.")
        if rating is not None:
            feedback.rating = rating
        if comment is not None:
            feedback.comment = comment
        feedback.save()
        if stems:
            _set_thumbs(feedback=feedback, stems=stems, keep=True)
    return feedback
