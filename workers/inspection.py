"""A worker's own account for the ops page: device, queues, concurrency and running tasks.

Celery's inspection knows queues, concurrency and active tasks but not the device a worker
separates on. `stemworks_worker` answers all four in one broadcast, reusing Celery's own
inspect commands, so the page waits for one reply timeout instead of four.
"""

import functools

from celery.signals import worker_init
from celery.worker import control
from django.conf import settings

COMMAND = "stemworks_worker"


@functools.cache
def worker_device() -> str:
    """Return the device this worker's jobs run on, named as jobs record it: cpu, cuda:0, mps."""
    name = settings.STEMWORKS_DEVICE
    if name == "auto":
        name = _auto_device()
    # A job on "cuda" records the current device, which is cuda:0 unless code changes it
    # (workers.engine.device_name); asking torch here would initialise CUDA, see below.
    return "cuda:0" if name == "cuda" else name


def _auto_device() -> str:
    # As separation.device.pick_device decides "auto", but without initialising CUDA: this
    # runs in the pool's parent, and a CUDA context there would break its forked children.
    # torch.cuda.device_count asks NVML first, which starts no context.
    import torch

    if torch.cuda.device_count() > 0:
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


@worker_init.connect
def _decide_device(**kwargs) -> None:
    # Importing torch takes seconds; done here, the first inspection answers in time.
    worker_device()


@control.inspect_command(name=COMMAND)
def stemworks_worker(state, **kwargs) -> dict[str, object]:
    """Answer this worker's device, queues, concurrency and the ids of the tasks it runs."""
    stats = control.stats(state)
    return {
        "device": worker_device(),
        "queues": [queue["name"] for queue in control.active_queues(state)],
        "concurrency": stats.get("pool", {}).get("max-concurrency"),
        "active": [request["id"] for request in control.active(state)],
    }
