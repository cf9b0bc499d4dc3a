"""The Celery app: Redis (or a filesystem broker when embedded), two queues, safe delivery."""

import os

from celery import Celery
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("stemworks")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    # Each queue has its own exchange and key, so a message lands in exactly one queue.
    task_queues=(
        Queue("gpu", Exchange("gpu", type="direct"), routing_key="gpu"),
        Queue("default", Exchange("default", type="direct"), routing_key="default"),
    ),
    task_default_queue="default",
    task_default_exchange="default",
    task_default_routing_key="default",
    task_routes={"workers.separate_job": {"queue": "gpu", "routing_key": "gpu"}},
    # A task is acknowledged only when it finished, and given back if its worker dies.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    # One separation at a time per process: never hold a second long job hostage.
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    imports=("workers.tasks", "workers.inspection"),
)


@app.on_after_configure.connect
def _make_broker_folders(sender: Celery, **kwargs) -> None:
    # The filesystem transport needs its folders to exist before the first message.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


@app.on_after_finalize.connect
def _schedule(sender: Celery, **kwargs) -> None:
    from django.conf import settings

    sender.conf.beat_schedule = {
        "reconcile-stuck-jobs": {
            "task": "workers.reconcile_jobs",
            "schedule": float(settings.STEMWORKS_RECONCILE_EVERY_S),
            "options": {"queue": "default"},
        },
        "purge-expired-files": {
            "task": "workers.purge_expired",
            "schedule": float(settings.STEMWORKS_PURGE_EVERY_S),
            "options": {"queue": "default"},
        },
    }
