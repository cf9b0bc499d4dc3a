"""Reads that only pages need: lean job rows for the dashboard, model choices, a user's rating."""

from django.db.models import QuerySet

from separation import catalog
from webapp.feedback.models import JobFeedback
from webapp.jobs.models import Job
from webapp.jobs.pricing import credits_per_minute
from workers.models_available import installed_models

DASHBOARD_FIELDS = (
    "id", "original_name", "duration", "model", "target", "kind", "status", "progress",
    "stage", "cost", "created_at", "error",
)  # fmt: skip


def dashboard_jobs(*, user, search: str = "") -> QuerySet[Job]:
    """Return the user's jobs newest first, only the listed columns, filtered by file name."""
    jobs = Job.objects.filter(owner=user).only(*DASHBOARD_FIELDS).order_by("-created_at")
    if search:
        jobs = jobs.filter(original_name__icontains=search)
    return jobs


def model_choices() -> list[dict]:
    """Return each installed model with its stems, target choices and price per started minute.

    A model without weights here is left out: the upload would refuse it.
    """
    installed = installed_models()
    return [
        {
            "name": spec.name,
            "description": spec.description,
            "stems": spec.stems,
            "targets": [
                {"value": target, "label": _target_label(target)}
                for target in catalog.targets(spec.name)
            ],
            "credits_per_minute": credits_per_minute(spec.name),
        }
        for spec in catalog.MODELS.values()
        if spec.name in installed
    ]


def _target_label(target: str) -> str:
    if target == catalog.ALL:
        return "All stems"
    return f"{target.capitalize()} and the rest (no_{target})"


def job_feedback(*, job: Job, user) -> dict | None:
    """Return the user's rating of a job as {rating, comment, stems: {name: up}}, or None."""
    feedback = JobFeedback.objects.filter(job=job, user=user).prefetch_related("stems").first()
    if feedback is None:
        return None
    return {
        "rating": feedback.rating,
        "comment": feedback.comment,
        "stems": {row.stem: row.thumbs_up for row in feedback.stems.all()},
    }
