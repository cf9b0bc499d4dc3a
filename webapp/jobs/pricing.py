"""What a job costs in credits."""

import math

from django.conf import settings

from separation import catalog
from webapp.jobs.models import Kind


def job_cost(*, duration: float, kind: str, model: str = catalog.DEFAULT_MODEL) -> int:
    """Return the credits a job costs: previews are free, full jobs pay per started minute."""
    if kind == Kind.PREVIEW:
        return 0
    per_minute = settings.STEMWORKS_MODEL_CREDITS_PER_MINUTE.get(
        model, settings.STEMWORKS_CREDITS_PER_MINUTE
    )
    return per_minute * max(1, math.ceil(duration / 60))
