"""Parallel preview requests cannot slip past the daily limit together."""

import threading

import pytest
from django.db import connection

from tests.factories import UserFactory, wav_upload
from webapp.jobs import services
from webapp.jobs.errors import PreviewLimitReached
from webapp.jobs.models import Job


@pytest.mark.django_db(transaction=True)
def test_parallel_previews_stop_at_the_daily_limit(settings, monkeypatch):
    assert connection.vendor == "postgresql", "run with PostgreSQL"
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)
    settings.STEMWORKS_PREVIEWS_PER_DAY = 3
    user = UserFactory(username="eager")
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def preview() -> None:
        try:
            upload = wav_upload()
            start.wait()
            services.job_create(owner=user, model="unet-2stems", kind="preview", upload=upload)
            outcomes.append("created")
        except PreviewLimitReached:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=preview) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] * 3 + ["refused"] * 5
    assert Job.objects.filter(owner=user, kind="preview").count() == 3
