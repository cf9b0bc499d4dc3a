"""GET /api/v1/jobs/{id}/result.json: {stem: base64 of its WAV}, the original contract."""

import base64
import io
import json

import soundfile as sf
from django.urls import reverse

from tests.factories import JobFactory, succeeded_job


def url(job) -> str:
    return reverse("jobs:result-json", args=[job.id])


def test_it_maps_each_stem_name_to_the_base64_of_its_complete_wav(owner_api, owner):
    job = succeeded_job(owner, names=("vocals", "no_vocals"), seconds=1.3)

    response = owner_api.get(url(job))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    result = json.loads(b"".join(response.streaming_content))
    assert list(result) == ["vocals", "no_vocals"]
    for stem in job.stems.all():
        wav = base64.b64decode(result[stem.name], validate=True)
        with stem.files.get(format="wav").file.open("rb") as f:
            assert wav == f.read()
        info = sf.info(io.BytesIO(wav))
        assert (info.format, info.samplerate, info.channels) == ("WAV", 44100, 2)


def test_it_sends_the_wavs_even_when_every_format_is_stored(owner_api, owner):
    job = succeeded_job(owner, formats=("wav", "flac", "mp3", "listen"), seconds=0.5)

    result = json.loads(b"".join(owner_api.get(url(job)).streaming_content))

    for name in ("vocals", "accompaniment"):
        info = sf.info(io.BytesIO(base64.b64decode(result[name])))
        assert (info.format, info.frames) == ("WAV", 22050)


def test_it_encodes_a_wav_of_any_length_to_one_base64_string(owner_api, owner, monkeypatch):
    monkeypatch.setattr("webapp.storage.CHUNK", 1000)  # pieces not a multiple of 3 bytes
    job = succeeded_job(owner, names=("vocals",), seconds=0.3)

    result = json.loads(b"".join(owner_api.get(url(job)).streaming_content))

    with job.stems.get().files.get().file.open("rb") as f:
        assert base64.b64decode(result["vocals"], validate=True) == f.read()


def test_it_returns_409_for_a_job_without_stems(owner_api, owner):
    assert owner_api.get(url(JobFactory(owner=owner, status="failed"))).status_code == 409


def test_it_returns_404_for_another_users_job(other_api, owner):
    assert other_api.get(url(succeeded_job(owner))).status_code == 404


def test_it_returns_401_without_credentials(anonymous_api, owner):
    assert anonymous_api.get(url(succeeded_job(owner))).status_code == 401
