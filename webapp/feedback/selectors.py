"""Reads of feedback: one user's, and the staff summary per model and per stem."""

from django.db.models import Avg, Count, Q

from webapp.feedback.models import JobFeedback, StemFeedback

RECENT_COMMENTS = 5


def feedback_for_user(*, user, job_id: object) -> JobFeedback | None:
    """Return the user's feedback on a job, or None."""
    return JobFeedback.objects.prefetch_related("stems").filter(user=user, job_id=job_id).first()


def feedback_summary(*, recent: int = RECENT_COMMENTS) -> dict:
    """Return average rating and count per model with recent comments, and thumbs per stem."""
    models = []
    per_model = (
        JobFeedback.objects.values("job__model")
        .annotate(count=Count("id"), average=Avg("rating"))
        .order_by("job__model")
    )
    for row in per_model:
        comments = (
            JobFeedback.objects.filter(job__model=row["job__model"])
            .exclude(comment="")
            .order_by("-updated_at")
            .values("job_id", "rating", "comment", "updated_at")[:recent]
        )
        models.append(
            {
                "model": row["job__model"],
                "count": row["count"],
                "average": round(row["average"], 2),
                "recent_comments": list(comments),
            }
        )
    stems = (
        StemFeedback.objects.values("feedback__job__model", "stem")
        .annotate(
            up=Count("id", filter=Q(thumbs_up=True)), down=Count("id", filter=Q(thumbs_up=False))
        )
        .order_by("feedback__job__model", "stem")
    )
    return {
        "models": models,
        "stems": [
            {
                "model": s["feedback__job__model"],
                "stem": s["stem"],
                "up": s["up"],
                "down": s["down"],
            }
            for s in stems
        ],
    }
