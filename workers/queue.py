"""The one outbound module to the broker: only job ids travel, with time limits scaled to the song.

The web app and the housekeeping tasks send work only through here; tests patch
`workers.queue.enqueue_separation`.
"""

from django.conf import settings
from django.db import transaction

from workers.celery import app

SEPARATE_TASK = "workers.separate_job"


def time_limits(duration: float) -> tuple[int, int]:
    """Return the (soft, hard) time limits in seconds for separating `duration` seconds."""
    soft = settings.STEMWORKS_TIME_LIMIT_BASE_S + settings.STEMWORKS_TIME_LIMIT_FACTOR * duration
    return int(soft), int(soft + settings.STEMWORKS_TIME_LIMIT_GRACE_S)


def enqueue_separation(*, job_id: object, duration: float) -> None:
    """Send the separation task for a job to the gpu queue."""
    soft, hard = time_limits(duration)
    app.send_task(
        SEPARATE_TASK,
        args=[str(job_id)],
        queue="gpu",
        soft_time_limit=soft,
        time_limit=hard,
    )


def enqueue_separation_on_commit(*, job_id: object, duration: float) -> None:
    """Send a job's task once the current transaction commits (never for a rolled-back job)."""
    # robust: a broker outage must not undo a committed, charged job (nor abort the
    # reconciler's loop); the error is logged and the reconciler sends the job again.
    transaction.on_commit(lambda: enqueue_separation(job_id=job_id, duration=duration), robust=True)
