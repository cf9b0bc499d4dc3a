"""One loaded Separator per model per worker process: weights load once, not per job."""

import functools
import logging

from celery.signals import worker_process_init
from django.conf import settings

from separation import catalog
from separation.errors import ModelLoadingError

log = logging.getLogger(__name__)


def model_dir(model: str) -> str | None:
    """Return the local weights folder for `model` from the settings (None: the default).

    The one place that maps settings to folders: htdemucs reads STEMWORKS_DEMUCS_REPO
    when set, every model STEMWORKS_MODEL_DIR otherwise; the engine reads no environment.
    """
    if model == "htdemucs" and settings.STEMWORKS_DEMUCS_REPO:
        return settings.STEMWORKS_DEMUCS_REPO
    return settings.STEMWORKS_MODEL_DIR


def model_options(model: str) -> dict[str, object]:
    """Return the engine knobs from the settings that `model` takes (others do not apply)."""
    configured = {
        "overlap": settings.STEMWORKS_OVERLAP,
        "segment": settings.STEMWORKS_SEGMENT_S,
        "half": settings.STEMWORKS_HALF,
        "batch_size": settings.STEMWORKS_BATCH_SIZE,
        "wiener": settings.STEMWORKS_WIENER,
    }
    knobs = catalog.get_spec(model).knobs
    return {name: value for name, value in configured.items() if name in knobs}


@functools.cache
def get_separator(model: str):
    """Return the process-wide Separator for `model`, loading its weights on first use.

    A model whose weights are not installed is refused at once (ModelLoadingError), never
    downloaded, unless STEMWORKS_ALLOW_MODEL_DOWNLOAD says the install may.
    """
    # Imported here so that importing workers (as the web process does) never loads torch.
    from separation.api import Separator
    from workers.models_available import missing_reason, model_installed

    if not model_installed(model):
        raise ModelLoadingError(missing_reason(model))

    return Separator(
        model=model,
        device=settings.STEMWORKS_DEVICE,
        threads=settings.STEMWORKS_THREADS,
        model_dir=model_dir(model),
        **model_options(model),
    )


def device_name(separator) -> str:
    """Return the device `separator` runs on as torch names it, with its index: cuda:0.

    An engine that does not say (a wrapper or stand-in without `device`) records "".
    """
    device = getattr(separator, "device", None)
    if device is None:
        return ""
    if device.type == "cuda" and device.index is None:
        import torch

        return f"cuda:{torch.cuda.current_device()}"
    return str(device)


@worker_process_init.connect
def preload(**kwargs) -> None:
    """Load the models named in STEMWORKS_PRELOAD_MODELS as each worker process starts."""
    for model in settings.STEMWORKS_PRELOAD_MODELS:
        try:
            get_separator(model)
        except Exception:
            # The first job on this model will fail with the reason; the worker stays up.
            log.exception("could not preload model %s", model)
