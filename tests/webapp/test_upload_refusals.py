"""POST /api/v1/jobs refuses malformed uploads with a plain reason: 400, no job, no charge."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.separation.test_refusals import CORPUS, assert_plain
from webapp.billing.models import CreditTransaction
from webapp.billing.selectors import credits_balance
from webapp.jobs.models import Job

URL = reverse("jobs:list")

# (corpus file, name it is uploaded under, start of the reason the user reads)
UPLOADS = [
    ("wav-without-data-chunk", "song.wav", "This WAV file has no audio data in it"),
    ("wav-cut-at-0.5", "song.wav", "The file is cut short: its header promises 2.0 s"),
    ("flac-cut-at-0.5", "song.flac", "The file is cut short: its header promises 3.0 s"),
    ("mp3-cut-at-0.5", "song.mp3", "The file is cut short: its header promises 3.0 s"),
    ("aiff-cut-at-0.5", "song.aiff", "The file is cut short: its header promises 2.0 s"),
    ("ogg-cut-at-0.1", "song.ogg", "This OGG file is damaged or cut short"),
    ("flac-cut-at-byte-60", "song.flac", "This FLAC file is damaged or cut short"),
    ("mp3-cut-at-byte-60", "song.mp3", "This MP3 file is damaged or cut short"),
    ("wav-format-code-0xfffe", "song.wav", "This WAV file uses an audio encoding"),
    ("wav-0-hz", "song.wav", "The file's header gives no sample rate"),
    ("wav-0-channels", "song.wav", "The file's header says it has no audio channels"),
    ("png", "song.wav", "This looks like a PNG image"),
    ("jpeg", "song.mp3", "This looks like a JPEG image"),
    ("zip", "song.wav", "This looks like a ZIP archive"),
    ("pdf", "song.mp3", "This looks like a PDF document"),
    ("float-wav-nan-in-first-block", "song.wav", "The audio contains invalid samples"),
]


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: calls.append(kw))
    return calls


@pytest.mark.parametrize(
    ("case", "filename", "reason"), UPLOADS, ids=[case for case, _, _ in UPLOADS]
)
def test_a_malformed_upload_gets_400_with_a_plain_reason_and_nothing_charged(
    owner_api, owner, enqueued, media_root, case, filename, reason
):
    before = credits_balance(user=owner)
    upload = SimpleUploadedFile(filename, CORPUS[case])

    response = owner_api.post(
        URL, {"file": upload, "model": "unet-2stems", "kind": "full"}, format="multipart"
    )

    assert response.status_code == 400
    message = response.json()["file"][0]
    assert message.startswith(reason)
    assert_plain(message)
    assert Job.objects.count() == 0
    assert credits_balance(user=owner) == before
    assert not CreditTransaction.objects.filter(kind="charge").exists()
    assert enqueued == []
    assert not [p for p in media_root.rglob("*") if p.is_file()]
