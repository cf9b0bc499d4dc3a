"""job_create: checks an upload and its options before anything is stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from separation.errors import InvalidAudio, InvalidOptions
from tests.factories import wav_upload
from webapp.jobs import services
from webapp.jobs.models import Job, Status


def test_it_stores_the_upload_and_queues_the_job(
    owner, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: sent.append(kw))

    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(
            owner=owner, upload=wav_upload(seconds=2), model="htdemucs", target="drums"
        )

    job.refresh_from_db()
    assert (job.status, job.model, job.target, job.cost) == (Status.QUEUED, "htdemucs", "drums", 1)
    assert job.input_file.name == f"jobs/{job.id}/input.wav"
    assert job.duration == pytest.approx(2.0)
    assert sent == [{"job_id": job.id, "duration": job.duration}]


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"model": "nope"}, InvalidOptions),
        ({"model": "htdemucs", "target": "vocals_and_drums"}, InvalidOptions),
        ({"model": "unet-2stems", "kind": "huge"}, InvalidOptions),
    ],
)
def test_it_refuses_unknown_options_and_stores_nothing(owner, options, error, media_root):
    with pytest.raises(error):
        services.job_create(owner=owner, upload=wav_upload(), **options)

    assert Job.objects.count() == 0
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_it_refuses_a_file_that_is_not_audio(owner):
    with pytest.raises(InvalidAudio):
        services.job_create(
            owner=owner, upload=SimpleUploadedFile("a.wav", b"x" * 1000), model="unet-2stems"
        )

    assert Job.objects.count() == 0


def test_a_broker_outage_keeps_the_charged_job_and_its_upload(
    owner, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(**kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("workers.queue.enqueue_separation", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(owner=owner, upload=wav_upload(seconds=2), model="unet-2stems")

    job.refresh_from_db()
    assert job.status == Status.QUEUED  # the reconciler will send it again
    assert job.input_file.storage.exists(job.input_file.name)
