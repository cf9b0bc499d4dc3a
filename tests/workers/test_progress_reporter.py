"""Progress reaches the Job row at a sensible rate, and a cancelled job stops the engine."""

import pytest

from separation.errors import SeparationCancelled
from tests.factories import JobFactory, RunningJobFactory
from webapp.jobs.lifecycle import Claim
from webapp.jobs.models import Job
from workers.progress import ProgressReporter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_it_writes_at_most_once_per_interval_and_always_the_end(owner):
    job = RunningJobFactory(owner=owner)
    clock = Clock()
    report = ProgressReporter(
        Claim.of(job), stage="separating", start=10, end=90, interval=2, clock=clock
    )

    for step in range(100):  # 100 chunks over 5 seconds
        clock.now = step * 0.05
        report(step / 100)
    report(1.0)

    assert report.writes == 4  # t=0, 2, 4, and the end
    job.refresh_from_db()
    assert (job.progress, job.stage) == (90, "separating")


def test_it_maps_the_fraction_onto_its_span(owner):
    job = RunningJobFactory(owner=owner)
    report = ProgressReporter(Claim.of(job), stage="separating", start=10, end=90, interval=0)

    report(0.5)

    assert Job.objects.get(id=job.id).progress == 50


def test_it_raises_cancelled_when_the_job_is_no_longer_running(owner):
    job = JobFactory(owner=owner, status="cancelled")
    report = ProgressReporter(Claim.of(job), stage="separating", start=10, end=90, interval=0)

    with pytest.raises(SeparationCancelled):
        report(0.3)
