"""The one outbound module to the broker: only job ids travel, with time limits scaled to the song.

The web app and the housekeeping tasks send work only through here; tests patch
`workers.queue.enqueue_separation`.
"""

import time

from django.conf import settings
from django.db import transaction
from kombu.exceptions import ChannelError
from kombu.simple import SimpleQueue

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


# A queue no worker reads, holding one message: the broker lost its messages (restarted
# empty, flushed) exactly when this message is gone.
MARKER_QUEUE = "stemworks.broker-marker"


def broker_was_emptied() -> bool:
    """Whether the broker lost its messages since the last call; leave a marker for the next.

    The first call on a new broker says yes too, which only sends queued jobs once more:
    a job's second message finds the job claimed and does nothing.
    """
    with app.connection_for_write() as connection:
        marker = connection.SimpleQueue(MARKER_QUEUE)
        try:
            if _size(marker):
                return False
            marker.put({"left_at": time.time()})
            return True
        finally:
            marker.close()


def _size(queue: SimpleQueue) -> int:
    try:
        return queue.qsize()
    except ChannelError:  # the broker does not know the queue: it was never made, or lost
        return 0
