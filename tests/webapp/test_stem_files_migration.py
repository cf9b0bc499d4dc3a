"""Migration jobs 0005: stems stored before it (one WAV each) get a file row for that WAV."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from tests.factories import UserFactory, paying_user, wav_bytes
from webapp.jobs.models import Job

WAV = wav_bytes(1.0)
BEFORE = [("jobs", "0004_job_states_and_claiming_task")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.fixture
def old_job(transactional_db, media_root):
    """A succeeded job as it was stored before 0005: the stem row holds its WAV."""
    user = paying_user(UserFactory(username="owner"))
    executor = migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    OldJob, OldStem = apps.get_model("jobs", "Job"), apps.get_model("jobs", "Stem")
    job = OldJob.objects.create(
        owner_id=user.id,
        original_name="song.wav",
        duration=1.0,
        model="unet-2stems",
        status="succeeded",
    )
    name = f"jobs/{job.id}/stems/vocals.wav"
    (media_root / name).parent.mkdir(parents=True)
    (media_root / name).write_bytes(WAV)
    OldStem.objects.create(
        job=job, name="vocals", file=name, format="wav", size=len(WAV), duration=1.0
    )
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    return Job.objects.get(id=job.id)


def test_old_stems_get_a_row_for_their_wav(old_job):
    stem = old_job.stems.get()

    row = stem.files.get()
    assert (row.format, row.size, row.file.name) == (
        "wav",
        len(WAV),
        f"jobs/{old_job.id}/stems/vocals.wav",
    )
    assert (stem.sample_rate, old_job.sample_rate) == (44100, "44100")


def test_an_old_job_serves_its_wav_and_explains_the_other_formats(old_job, owner_api):
    url = reverse("jobs:stem", args=[old_job.id, "vocals"])

    assert b"".join(owner_api.get(url).streaming_content) == WAV
    response = owner_api.get(url, {"format": "mp3"})
    assert response.status_code == 409
    assert "before stems were stored in every format" in response.json()["detail"]
