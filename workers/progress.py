"""Carry the engine's progress callback to the Job row at a sensible rate."""

import time
from collections.abc import Callable

from separation.errors import SeparationCancelled
from webapp.jobs.lifecycle import Claim, job_report_progress


def report(claim: Claim, progress: int, stage: str) -> None:
    """Write a claimed job's progress; raise SeparationCancelled once the claim is lost."""
    if not job_report_progress(claim=claim, progress=progress, stage=stage):
        raise SeparationCancelled("The job was cancelled or taken back.")


class ProgressReporter:
    """Map engine fractions onto [start, end] percent and write at most once per interval.

    A write that finds the claim lost (cancelled, deleted, re-queued) stops the separation.
    """

    def __init__(
        self,
        claim: Claim,
        *,
        stage: str,
        start: int,
        end: int,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.claim = claim
        self.stage = stage
        self.start = start
        self.end = end
        self.interval = interval
        self.clock = clock
        self.last_write: float | None = None
        self.writes = 0

    def __call__(self, fraction: float) -> None:
        now = self.clock()
        done = fraction >= 1.0
        if not done and self.last_write is not None and now - self.last_write < self.interval:
            return
        self.last_write = now
        self.writes += 1
        percent = self.start + (self.end - self.start) * max(0.0, min(1.0, fraction))
        report(self.claim, round(percent), self.stage)
