"""Only installed models are offered: uploads and quotes for a model without weights get 400."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import JobFactory, paying_user, wav_upload
from webapp.billing.selectors import credits_balance
from webapp.errors import ApplicationError
from webapp.jobs.models import Job, Kind
from webapp.jobs.services import job_create

REASON = (
    "This server has no weights for htdemucs: choose one of the installed models (unet-2stems)."
)


@pytest.fixture(autouse=True)
def no_demucs_weights(settings):
    settings.STEMWORKS_ALLOW_MODEL_DOWNLOAD = False
    settings.STEMWORKS_MODEL_DIR = None
    settings.STEMWORKS_DEMUCS_REPO = None


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: calls.append(kw))
    return calls


def test_an_upload_for_a_model_without_weights_is_refused_with_the_reason(
    owner_api, owner, enqueued, media_root
):
    before = credits_balance(user=owner)

    response = owner_api.post(
        reverse("jobs:list"), {"file": wav_upload(), "model": "htdemucs"}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {"model": [REASON]}
    assert Job.objects.count() == 0
    assert credits_balance(user=owner) == before
    assert enqueued == []
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_a_full_job_from_a_preview_of_a_model_without_weights_is_refused(owner_api, owner):
    preview = JobFactory(owner=owner, kind=Kind.PREVIEW, model="htdemucs", input_duration=60)

    response = owner_api.post(
        reverse("jobs:list"), {"source_job": str(preview.id)}, format="multipart"
    )

    assert (response.status_code, response.json()) == (400, {"model": [REASON]})
    assert Job.objects.count() == 1


def test_an_installed_model_is_still_accepted(owner_api, enqueued):
    response = owner_api.post(
        reverse("jobs:list"), {"file": wav_upload(), "model": "unet-2stems"}, format="multipart"
    )

    assert response.status_code == 201


def test_the_service_refuses_a_model_without_weights_before_storing(owner, media_root):
    paying_user(owner, credits=10)

    with pytest.raises(ApplicationError) as refused:
        job_create(owner=owner, upload=wav_upload(), model="htdemucs")

    assert refused.value.body() == {"model": [REASON]}
    assert Job.objects.count() == 0


def test_a_quote_for_a_model_without_weights_is_refused(owner_api):
    response = owner_api.get(reverse("jobs:quote"), {"model": "htdemucs", "duration": 60})

    assert (response.status_code, response.json()) == (400, {"model": [REASON]})


@pytest.mark.parametrize("path", ["/upload/", "/"])
def test_the_upload_and_landing_pages_list_only_installed_models(owner, client, path):
    if path == "/upload/":
        client = Client()
        client.force_login(owner)

    page = client.get(path).content.decode()

    assert "unet-2stems" in page
    assert "htdemucs" not in page


def test_the_upload_page_lists_htdemucs_once_its_weights_are_installed(owner, settings, tmp_path):
    (tmp_path / "htdemucs.yaml").write_text("models: ['0d19c1c6']\n")
    (tmp_path / "0d19c1c6-1234abcd.th").write_bytes(b"weights")
    settings.STEMWORKS_DEMUCS_REPO = str(tmp_path)
    client = Client()
    client.force_login(owner)

    page = client.get("/upload/").content.decode()

    assert 'value="htdemucs"' in page
