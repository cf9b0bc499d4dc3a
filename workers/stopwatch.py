"""Measure one run of a job for monitoring: who ran it, on what device, each stage's seconds."""

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from webapp.jobs.lifecycle import JobStats

T = TypeVar("T")

DECODE, SEPARATE, ENCODE, STORE = "decode", "separate", "encode", "store"


class Stopwatch:
    """Add up wall seconds per stage; one stage runs at a time.

    A stage an exception escaped from stays `running`, so the caller can tell where a job
    failed (a failure while storing is a storage failure), and its time so far still counts.
    """

    def __init__(
        self,
        *,
        worker_host: str = "",
        worker_pid: int | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.worker_host = worker_host
        self.worker_pid = worker_pid
        self.device = ""
        self.clock = clock
        self.seconds: dict[str, float] = {}
        self.running: str | None = None
        self._since = 0.0

    def start(self, stage: str) -> None:
        """Stop the running stage (if any) and start timing `stage`."""
        self.stop()
        self.running, self._since = stage, self.clock()

    def stop(self) -> None:
        """Add the running stage's time to its total."""
        if self.running is not None:
            elapsed = self.clock() - self._since
            self.seconds[self.running] = self.seconds.get(self.running, 0.0) + elapsed
            self.running = None

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as stage `name` (left running if the block raises)."""
        self.start(name)
        yield
        self.stop()

    def alternate(self, items: Iterable[T], *, inside: str, between: str) -> Iterator[T]:
        """Yield `items`, timing the wait for each one as `inside` and the rest as `between`.

        For a stream the caller works through: the engine's blocks (the model) written to
        the masters (encoding), or the encoded stems that `job_succeed` stores one by one.
        """
        return _Alternating(self, iter(items), inside, between)

    def stats(self) -> JobStats:
        """Return what was measured so far (the running stage up to now)."""
        seconds = dict(self.seconds)
        if self.running is not None:
            seconds[self.running] = seconds.get(self.running, 0.0) + self.clock() - self._since
        return JobStats(
            worker_host=self.worker_host,
            worker_pid=self.worker_pid,
            device=self.device,
            decode_s=seconds.get(DECODE),
            separate_s=seconds.get(SEPARATE),
            encode_s=seconds.get(ENCODE),
            store_s=seconds.get(STORE),
        )


class _Alternating(Iterator[T]):
    # A class, not a generator: closing a generator would stop the `between` stage behind
    # the caller's back, and the stage a failure happened in would be lost.
    def __init__(self, watch: Stopwatch, items: Iterator[T], inside: str, between: str) -> None:
        self.watch, self.items, self.inside, self.between = watch, items, inside, between

    def __next__(self) -> T:
        self.watch.start(self.inside)
        try:
            item = next(self.items)
        except StopIteration:
            self.watch.stop()
            raise
        self.watch.start(self.between)
        return item
