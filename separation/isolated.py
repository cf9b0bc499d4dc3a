"""Probe and decode untrusted uploads in a child process with memory and time limits.

libsndfile, libFLAC, libvorbis and mpg123 are C code reading bytes a stranger chose: a
crafted file can crash them, make them allocate without end or loop for ever, and in the
web or worker process that would take the process down with it. Here each probe and
decode runs in a forked child whose address space is capped (RLIMIT_AS, a margin over
what the process already maps) and which is killed past a time limit; a child that dies,
runs out of memory or overstays becomes a plain refusal (InvalidAudio), and the parent
goes on. Forking costs a few milliseconds; the child decodes into a memfd the parent
then maps, not through a pipe, so the samples are never copied.
"""

from __future__ import annotations

import faulthandler
import gc
import logging
import mmap
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from typing import NoReturn, TypeVar

import numpy as np

from separation import audio, refusals
from separation.audio import Audio, AudioInfo, AudioSource
from separation.errors import InvalidAudio

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Address space a child may add to what the parent already maps (the parent's libraries
# and heap are inherited, and a worker that loaded torch maps many gigabytes).
PROBE_MEMORY = 512 << 20
DECODE_MEMORY = 1 << 30
PROBE_SECONDS = 30.0
DECODE_SECONDS = 300.0
# Signals a web or worker process handles its own way; the child takes the defaults.
_RESET_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM")


def probe(
    source: AudioSource,
    *,
    max_duration: float | None = None,
    seconds: float | None = None,
    memory: int = PROBE_MEMORY,
) -> AudioInfo:
    """Return `audio.probe(source)` as found by a child process; refuse if the child fails."""
    limit = PROBE_SECONDS if seconds is None else seconds
    try:
        return run(lambda: audio.probe(source, max_duration=max_duration), limit, memory)
    finally:
        if hasattr(source, "seek"):
            source.seek(0)  # the child shared the file's offset


def read_audio(
    source: AudioSource,
    *,
    max_duration: float,
    sample_rate: int = audio.SAMPLE_RATE,
    seconds: float | None = None,
    memory: int = DECODE_MEMORY,
) -> Audio:
    """Return `audio.read_audio(source)` as decoded by a child process.

    The child decodes straight into a memfd sized for the longest audio allowed (sparse:
    only what is decoded takes memory), which the parent then maps copy-on-write. The
    child's memory cap adds that size, so a legal song always fits and a bomb never does.
    """
    capacity = audio.capacity_frames(max_duration, sample_rate)
    size = 2 * capacity * 4
    budget = memory + size
    fd = os.memfd_create("stemworks-decoded")
    try:
        os.ftruncate(fd, size)

        def decode() -> tuple[AudioInfo, int, int]:
            shared = mmap.mmap(fd, size, flags=mmap.MAP_SHARED)
            out = np.frombuffer(shared, dtype=np.float32).reshape(2, capacity)
            decoded = audio.read_audio(
                source, max_duration=max_duration, sample_rate=sample_rate, out=out
            )
            return decoded.source, decoded.sample_rate, decoded.samples.shape[1]

        limit = DECODE_SECONDS if seconds is None else seconds
        info, rate, frames = run(decode, limit, budget)
        return Audio(_map_samples(fd, capacity, frames), rate, info)
    finally:
        os.close(fd)
        if hasattr(source, "seek"):
            source.seek(0)


def run(work: Callable[[], T], seconds: float, memory: int) -> T:
    """Return `work()` computed in a forked child limited to `seconds` and `memory` more bytes.

    InvalidAudio raised in the child is raised here with the same sentence; a child that
    crashes, runs out of memory, raises anything else or overstays raises InvalidAudio
    with a plain reason.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(work, write_end, memory)
    os.close(write_end)
    payload = None
    try:
        payload = _read_until(read_end, time.monotonic() + seconds)
    finally:
        os.close(read_end)
        status = _reap(pid, kill=payload is None)
    if payload is None:
        logger.warning("a decoding child overran %.0f s and was killed", seconds)
        raise InvalidAudio(refusals.DECODER_TIMEOUT)
    if not payload:
        logger.warning("a decoding child died (wait status %d)", status)
        raise InvalidAudio(refusals.DECODER_FAILED)
    kind, value = pickle.loads(payload)
    if kind == "refused":
        raise InvalidAudio(value)
    if kind != "ok":
        logger.warning("a decoding child failed: %s", value)
        raise InvalidAudio(refusals.DECODER_FAILED)
    result: T = value
    return result


def _child(work: Callable[[], object], out: int, memory: int) -> NoReturn:
    """Run `work` under the limits, send its outcome through `out`, and exit at once."""
    try:
        gc.disable()  # collecting the parent's garbage here could close its connections
        faulthandler.disable()  # a crash is reported by the parent, without a traceback
        for name in _RESET_SIGNALS:
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        _limit_memory(memory)
        outcome: tuple[str, object]
        try:
            outcome = ("ok", work())
        except InvalidAudio as exc:
            outcome = ("refused", str(exc))
        except MemoryError:
            outcome = ("failed", "MemoryError")
        except BaseException as exc:
            outcome = ("failed", f"{type(exc).__name__}: {exc}")
        _write_all(out, pickle.dumps(outcome))
    finally:
        os._exit(0)  # no atexit handlers, no flushing the parent's buffers twice


def _limit_memory(extra: int) -> None:
    """Cap the address space at what is mapped now plus `extra` bytes."""
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * mmap.PAGESIZE
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = mapped + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Read `fd` to its end; None if the deadline passes first."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int, *, kill: bool) -> int:
    """Wait for the child to end (killing it first when it overstayed); return its status."""
    if kill:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return status


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _map_samples(fd: int, capacity: int, frames: int) -> np.ndarray:
    """Map the child's decoded samples, (2, frames) of a (2, capacity) memfd, copy-on-write."""
    size = 2 * capacity * 4
    mapped = mmap.mmap(fd, size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    return np.frombuffer(mapped, dtype=np.float32).reshape(2, capacity)[:, :frames]
