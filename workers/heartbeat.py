"""Keep a claimed job's heartbeat fresh from a side thread, however long a stage runs.

The reconciler takes back a job whose heartbeat went stale, so the heartbeat must stop
when, and only when, the worker does: a thread that beats every few seconds (the model
and the codecs release the GIL) dies with its process, and a lost claim stops it.
"""

import logging
import threading
from types import TracebackType

from django.db import connection

from webapp.jobs.lifecycle import Claim, job_heartbeat

log = logging.getLogger(__name__)


class Heartbeat:
    """While in its `with` block, write the claim's heartbeat every `every` seconds."""

    def __init__(self, claim: Claim, *, every: float) -> None:
        self.claim = claim
        self.every = every
        self.beats = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        # A beat stuck on a dead connection must not hold the task: the thread is a daemon.
        self._thread.join(timeout=self.every + 5)
        if self._thread.is_alive():
            log.warning("job %s: the heartbeat thread did not stop", self.claim.job_id)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                if not self._beat():
                    return  # the claim is lost: progress writes will stop the job
        finally:
            connection.close()  # this thread's own connection

    def _beat(self) -> bool:
        """Write one beat; a database error is logged and the next beat tries anew."""
        try:
            held = job_heartbeat(claim=self.claim)
        except Exception:
            log.warning("job %s: heartbeat failed", self.claim.job_id, exc_info=True)
            connection.close()
            return True
        self.beats += 1
        return held
