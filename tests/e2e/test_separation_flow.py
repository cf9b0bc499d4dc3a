"""The whole flow: API upload with a token -> real Redis -> real Celery worker -> stems back."""

import base64
import io
import json
import math
import time
import zipfile

import numpy as np
import pytest
import soundfile as sf
from django.core.files.uploadedfile import SimpleUploadedFile

from separation import audio
from separation.pretrained import example_song
from tests.e2e.helpers import finished, wait_for

pytestmark = [pytest.mark.slow]


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
    job = wait_for(owner_api, created.json()["id"], process, log_path, until=finished)

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
        # The waveform the player draws: 1000 min/max pairs per minute of the stem.
        peaks = owner_api.get(stem["peaks_url"])
        assert peaks.status_code == 200
        assert peaks["Content-Type"] == "application/json"
        waveform = json.loads(b"".join(peaks.streaming_content))
        assert waveform["length"] == math.ceil(data.shape[0] / waveform["samples_per_pixel"])
        assert waveform["length"] == pytest.approx(stem["duration"] * 1000 / 60, abs=1)
        assert len(waveform["data"]) == 2 * waveform["length"]

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


def test_a_running_job_cancelled_through_the_api_stops_and_keeps_no_stems(worker, owner_api):
    process, log_path = worker
    song = audio.read_audio(example_song())
    # About two minutes of music, so the job is still separating when the cancel arrives.
    long_mix = np.tile(song.samples, 11)
    upload = SimpleUploadedFile(
        "long.flac", audio.encode_audio(long_mix, song.sample_rate, "flac"), "audio/flac"
    )
    created = owner_api.post("/api/v1/jobs", {"file": upload}, format="multipart")
    assert created.status_code == 201, created.content
    job_id = created.json()["id"]

    wait_for(owner_api, job_id, process, log_path, until=lambda j: j["stage"] == "separating")
    cancelled = owner_api.post(f"/api/v1/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200, cancelled.content

    # The worker notices at its next progress report (every 0.5 s here) and stops.
    deadline = time.monotonic() + 60
    while "succeeded in" not in log_path.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "'cancelled'" in log_path.read_text()
    job = owner_api.get(f"/api/v1/jobs/{job_id}").json()
    assert (job["status"], job["stems"]) == ("cancelled", [])
    assert process.poll() is None
