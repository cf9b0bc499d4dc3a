"""Put work on the broker: only job ids travel, with time limits scaled to the song."""

from django.conf import settings

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
