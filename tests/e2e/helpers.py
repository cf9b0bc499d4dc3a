"""Helpers for end-to-end tests: songs, waiting on a job, and a worker whose engine hangs."""

import math
import os
import signal
import time
from pathlib import Path

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from separation import audio
from separation.pretrained import example_song
from tests.e2e.launcher import launcher


def wait_for(api, job_id: str, process, log_path: Path, until, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"/api/v1/jobs/{job_id}").json()
        if until(job):
            return job
        assert process.poll() is None, "worker died:\n" + log_path.read_text()[-3000:]
        time.sleep(0.3)
    raise AssertionError("job did not finish in time:\n" + log_path.read_text()[-3000:])


def finished(job: dict) -> bool:
    return job["status"] in ("succeeded", "failed", "cancelled")


# --- a worker whose engine hangs, for the time-limit tests ------------------------------

# Songs at least this long never finish in the hanging engine; shorter ones are separated.
HANG_FROM_S = 20.0
# Set in a worker's environment to make its hanging engine deaf to the soft time limit.
DEAF_TO_SOFT_LIMIT = "E2E_ENGINE_DEAF_TO_SOFT_LIMIT"
# A launcher for the start_worker fixture: `celery` with the hanging engine installed.
HANGING_ENGINE_WORKER = launcher("tests.e2e.helpers", "install_hanging_engine")


def install_hanging_engine(**kwargs) -> None:
    import workers.pipeline

    real = workers.pipeline.get_separator
    deaf = os.environ.get(DEAF_TO_SOFT_LIMIT) == "1"
    workers.pipeline.get_separator = lambda model: HangingEngine(lambda: real(model), deaf=deaf)


class HangingEngine:
    """The real engine, except that a song of HANG_FROM_S or more never finishes.

    Deaf, it hangs as native code does, never back in Python to receive the soft time
    limit (its signal stays blocked), so only the hard limit can stop it.
    """

    def __init__(self, real, *, deaf: bool) -> None:
        self.real = real
        self.deaf = deaf

    def separate_blocks(self, mix: np.ndarray, target: str = "all", progress=None):
        if mix.shape[-1] < HANG_FROM_S * audio.SAMPLE_RATE:
            return self.real().separate_blocks(mix, target, progress)
        if self.deaf:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})  # billiard's soft limit
        time.sleep(3600)
        raise AssertionError("the time limits did not stop the hanging engine")


# --- songs and processes ----------------------------------------------------------------


def song_upload(seconds: float, name: str = "song.flac") -> SimpleUploadedFile:
    """Return the example song looped to about `seconds` long, as a FLAC upload."""
    song = audio.read_audio(example_song())
    repeats = math.ceil(seconds * song.sample_rate / song.samples.shape[1])
    mix = np.tile(song.samples, repeats)[:, : int(seconds * song.sample_rate)]
    return SimpleUploadedFile(
        name, audio.encode_audio(mix, song.sample_rate, "flac"), content_type="audio/flac"
    )


def children(pid: int) -> list[int]:
    """Return the ids of the live processes whose parent is `pid` (a worker's pool)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name in parentheses may hold spaces: fields follow the last ')'.
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(ppid) == pid and state != "Z":
            found.append(int(stat.parent.name))
    return found


def wait_until(check, process, log_path: Path, timeout: float = 60, what: str = "condition"):
    """Poll `check()` until it returns something truthy; fail if the worker dies first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        assert process.poll() is None, "worker died:\n" + log_path.read_text()[-3000:]
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen in time:\n" + log_path.read_text()[-3000:])


# --- a worker whose storage fills up, for the storage-failure test ---------------------

# A launcher for the start_worker fixture: `celery` whose storage is full after two stem files.
FULL_DISK_WORKER = launcher("tests.e2e.helpers", "fill_the_disk")
FULL_AFTER_FILES = 2


def fill_the_disk(**kwargs) -> None:
    """Stem files after the first FULL_AFTER_FILES get one block written, then ENOSPC."""
    import errno

    from django.core.files.storage import FileSystemStorage

    real = FileSystemStorage._save
    saved = []

    def save(storage, name, content):
        if "/stems/" not in name or len(saved) < FULL_AFTER_FILES:
            saved.append(name)
            return real(storage, name, content)
        path = Path(storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(next(iter(content.chunks())))  # what a disk takes before it is full
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    FileSystemStorage._save = save
