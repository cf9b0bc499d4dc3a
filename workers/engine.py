"""One loaded Separator per model per worker process: weights load once, not per job."""

import functools

from django.conf import settings


@functools.cache
def get_separator(model: str):
    """Return the process-wide Separator for `model`, loading its weights on first use."""
    # Imported here so that importing workers (as the web process does) never loads torch.
    from separation.api import Separator

    model_dir = settings.STEMWORKS_MODEL_DIR
    if model == "htdemucs" and settings.STEMWORKS_DEMUCS_REPO:
        model_dir = settings.STEMWORKS_DEMUCS_REPO
    return Separator(
        model=model,
        device=settings.STEMWORKS_DEVICE,
        threads=settings.STEMWORKS_THREADS,
        model_dir=model_dir,
    )
