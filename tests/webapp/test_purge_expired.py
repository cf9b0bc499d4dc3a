"""Retention: inputs and stems go after the configured number of days; the row stays."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from tests.factories import succeeded_job
from webapp.jobs import housekeeping
from webapp.jobs.models import Job, Stem


def test_it_deletes_files_of_jobs_older_than_the_retention(owner, settings):
    settings.STEMWORKS_RETENTION_DAYS = 7
    old = succeeded_job(owner, formats=("wav", "flac", "mp3", "listen"))
    Job.objects.filter(id=old.id).update(finished_at=timezone.now() - timedelta(days=8))
    stored = [row.file.name for s in old.stems.all() for row in s.files.all()]
    paths = [old.input_file.name, *stored]

    assert housekeeping.jobs_purge_expired() == 1

    old.refresh_from_db()
    assert old.purged_at is not None
    assert not old.input_file
    assert not Stem.objects.filter(job=old).exists()
    assert not any(default_storage.exists(p) for p in paths)


def test_it_keeps_recent_jobs(owner, settings):
    settings.STEMWORKS_RETENTION_DAYS = 7
    recent = succeeded_job(owner)

    assert housekeeping.jobs_purge_expired() == 0
    assert recent.stems.count() == 2
    assert default_storage.exists(recent.input_file.name)


def test_a_purged_job_answers_409_for_its_stems(owner, owner_api, settings):
    old = succeeded_job(owner)
    Job.objects.filter(id=old.id).update(finished_at=timezone.now() - timedelta(days=30))
    housekeeping.jobs_purge_expired()

    response = owner_api.get(f"/api/v1/jobs/{old.id}/download.zip")

    assert response.status_code == 409
    assert "retention" in response.json()["detail"]
