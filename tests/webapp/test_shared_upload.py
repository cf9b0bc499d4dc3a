"""One upload, many jobs: a job made from another's upload shares its stored file."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.factories import JobFactory
from webapp.jobs import housekeeping, services
from webapp.jobs.models import Job, Status


def derived_job(source: Job, **fields) -> Job:
    return JobFactory(
        owner=source.owner, input_file=source.input_file.name, source_job=source, **fields
    )


def test_deleting_the_preview_keeps_the_upload_its_full_job_uses(
    owner, django_capture_on_commit_callbacks
):
    preview = JobFactory(owner=owner, kind="preview", status=Status.SUCCEEDED)
    full = derived_job(preview)

    with django_capture_on_commit_callbacks(execute=True):
        services.job_delete(job=preview)

    assert default_storage.exists(full.input_file.name)


def test_deleting_the_last_job_of_an_upload_deletes_the_upload(
    owner, django_capture_on_commit_callbacks
):
    preview = JobFactory(owner=owner, kind="preview", status=Status.SUCCEEDED)
    full = derived_job(preview, status=Status.SUCCEEDED)
    name = full.input_file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.job_delete(job=preview)
        services.job_delete(job=Job.objects.get(id=full.id))

    assert not default_storage.exists(name)


def test_purging_an_old_preview_keeps_the_upload_of_a_newer_full_job(owner, settings):
    long_ago = timezone.now() - timedelta(days=settings.STEMWORKS_RETENTION_DAYS + 1)
    preview = JobFactory(owner=owner, kind="preview", status=Status.SUCCEEDED, finished_at=long_ago)
    full = derived_job(preview)

    assert housekeeping.jobs_purge_expired() == 1

    assert default_storage.exists(full.input_file.name)
    assert Job.objects.get(id=preview.id).input_file.name == ""


def test_a_full_job_from_a_preview_without_a_recorded_length_pays_for_the_whole_upload(
    owner, monkeypatch
):
    from tests.factories import wav_bytes
    from webapp.billing.services import credits_grant

    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kwargs: None)
    credits_grant(user=owner, amount=10, reason="test")
    # A preview row from before uploads were shared: it knows only its 30 s excerpt.
    preview = JobFactory(
        owner=owner,
        kind="preview",
        status=Status.SUCCEEDED,
        duration=30.0,
        input_duration=0,
        input_file__data=wav_bytes(seconds=150),
    )

    full = services.job_create(owner=owner, source=preview, model="unet-2stems")

    assert full.input_duration == 150
    assert full.cost == 3  # 2.5 started minutes, not the excerpt's one


def test_a_job_from_an_upload_purged_meanwhile_is_refused_and_charges_nothing(owner, monkeypatch):
    from webapp.billing.selectors import credits_balance
    from webapp.jobs.errors import SourceGone

    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kwargs: None)
    preview = JobFactory(
        owner=owner, kind="preview", status=Status.SUCCEEDED, input_duration=1.0,
        finished_at=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    # The request read the preview just before the retention run deleted its upload.
    assert housekeeping.jobs_purge_expired() == 1
    assert not default_storage.exists(preview.input_file.name)

    with pytest.raises(SourceGone):
        services.job_create(owner=owner, source=preview, model="unet-2stems")

    assert Job.objects.count() == 1
    assert credits_balance(user=owner) == 100
