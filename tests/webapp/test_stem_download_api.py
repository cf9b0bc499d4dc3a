"""GET /api/v1/jobs/{id}/stems/{name}?format=...: stored copies, streamed with HTTP Range."""

import io

import pytest
import soundfile as sf
from django.urls import reverse

from tests.factories import JobFactory, StemFactory, succeeded_job
from webapp.jobs.stem_files import STEM_FORMATS

EVERY_FORMAT = tuple(STEM_FORMATS)


def url(job, name="vocals") -> str:
    return reverse("jobs:stem", args=[job.id, name])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def stored(job, fmt="wav", name="vocals") -> bytes:
    row = job.stems.get(name=name).files.get(format=fmt)
    with row.file.open("rb") as f:
        return f.read()


@pytest.fixture
def forbid_audio_work(monkeypatch):
    """Return a switch that makes any decoding or encoding fail from then on."""

    def refuse(*args, **kwargs):
        raise AssertionError("a web request decoded or encoded audio")

    def forbid() -> None:
        for name in ("read_audio", "encode_audio", "write_audio", "read_blocks", "AudioWriter"):
            monkeypatch.setattr(f"separation.audio.{name}", refuse)
        for name in ("read", "write", "info", "SoundFile"):
            monkeypatch.setattr(f"soundfile.{name}", refuse)
        monkeypatch.setattr("lameenc.Encoder", refuse)

    return forbid


def test_it_streams_the_stored_wav(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.get(url(job))

    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"] == 'inline; filename="vocals.wav"'
    assert int(response["Content-Length"]) == len(stored(job))
    assert body(response) == stored(job)


@pytest.mark.parametrize(
    ("fmt", "content_type", "filename"),
    [
        ("wav", "audio/wav", "vocals.wav"),
        ("flac", "audio/flac", "vocals.flac"),
        ("mp3", "audio/mpeg", "vocals.mp3"),
        ("listen", "audio/mpeg", "vocals.listen.mp3"),
    ],
)
def test_it_streams_the_stored_copy_of_each_format_without_audio_work(
    owner_api, owner, forbid_audio_work, fmt, content_type, filename
):
    job = succeeded_job(owner, formats=EVERY_FORMAT)
    forbid_audio_work()

    response = owner_api.get(url(job), {"format": fmt})

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'inline; filename="{filename}"'
    assert body(response) == stored(job, fmt)


def test_the_stored_flac_and_mp3_are_audio_at_the_stem_rate(owner_api, owner):
    job = succeeded_job(owner, formats=EVERY_FORMAT, seconds=2.0)

    for fmt, subtype in [("flac", "PCM_24"), ("mp3", "MPEG_LAYER_III")]:
        info = sf.info(io.BytesIO(body(owner_api.get(url(job), {"format": fmt}))))
        assert (info.subtype, info.samplerate, info.channels) == (subtype, 44100, 2)
        assert info.duration == pytest.approx(2.0, abs=0.1)


def test_it_answers_a_range_request_with_206_and_those_bytes(owner_api, owner):
    job = succeeded_job(owner)
    data = stored(job)

    response = owner_api.get(url(job), HTTP_RANGE="bytes=100-199")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert body(response) == data[100:200]


def test_it_answers_a_range_of_a_stored_mp3(owner_api, owner, forbid_audio_work):
    job = succeeded_job(owner, formats=EVERY_FORMAT)
    data = stored(job, "mp3")
    forbid_audio_work()

    response = owner_api.get(url(job), {"format": "mp3"}, HTTP_RANGE="bytes=10-")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-{len(data) - 1}/{len(data)}"
    assert body(response) == data[10:]


def test_it_answers_an_open_ended_and_a_suffix_range(owner_api, owner):
    job = succeeded_job(owner)
    data = stored(job)

    assert body(owner_api.get(url(job), HTTP_RANGE="bytes=1000-")) == data[1000:]
    assert body(owner_api.get(url(job), HTTP_RANGE="bytes=-10")) == data[-10:]


def test_it_returns_416_for_a_range_past_the_end(owner_api, owner):
    job = succeeded_job(owner)
    size = len(stored(job))

    response = owner_api.get(url(job), HTTP_RANGE=f"bytes={size + 10}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


def test_it_returns_400_for_an_unknown_format(owner_api, owner):
    job = succeeded_job(owner)

    response = owner_api.get(url(job), {"format": "ogg"})

    assert response.status_code == 400
    assert response.json() == {"format": ["Choose one of: wav, flac, mp3, listen."]}


@pytest.mark.parametrize("fmt", ["flac", "mp3", "listen"])
def test_a_job_stored_with_only_wavs_answers_409_for_other_formats(owner_api, owner, fmt):
    job = succeeded_job(owner, formats=("wav",))

    response = owner_api.get(url(job), {"format": fmt})

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert f"has no {fmt} copy" in detail
    assert "Download it as wav" in detail


def test_it_returns_404_for_a_stem_the_job_does_not_have(owner_api, owner):
    assert owner_api.get(url(succeeded_job(owner), "drums")).status_code == 404


def test_it_returns_409_while_the_job_has_not_succeeded(owner_api, owner):
    job = JobFactory(owner=owner, status="running")
    StemFactory(job=job)

    assert owner_api.get(url(job)).status_code == 409


def test_it_returns_404_for_another_users_job(other_api, owner):
    assert other_api.get(url(succeeded_job(owner))).status_code == 404


def test_it_returns_401_without_credentials(anonymous_api, owner):
    assert anonymous_api.get(url(succeeded_job(owner))).status_code == 401


@pytest.mark.parametrize("status", ["queued", "running", "cancelled", "failed"])
def test_it_answers_409_for_a_job_without_stems(owner_api, owner, status):
    job = JobFactory(owner=owner, status=status)

    response = owner_api.get(url(job))

    assert response.status_code == 409
    assert response.json() == {"detail": f"The job has no stems: it is {status}."}


def test_it_answers_404_for_another_users_job_whatever_its_state(other_api, owner):
    assert other_api.get(url(JobFactory(owner=owner))).status_code == 404
    assert other_api.get(url(succeeded_job(owner))).status_code == 404
