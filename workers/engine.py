"""One loaded Separator per model per worker process: weights load once, not per job."""

import functools
import logging

from celery.signals import worker_process_init
from django.conf import settings

log = logging.getLogger(__name__)


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


@worker_process_init.connect
def preload(**kwargs) -> None:
    """Load the models named in STEMWORKS_PRELOAD_MODELS as each worker process starts."""
    for model in settings.STEMWORKS_PRELOAD_MODELS:
        try:
            get_separator(model)
        except Exception:
            # The first job on this model will fail with the reason; the worker stays up.
            log.exception("could not preload model %s", model)
