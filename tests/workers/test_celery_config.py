"""Routing, broker and beat settings (delivery itself is shown by tests/e2e/test_worker_loss.py)."""

from django.conf import settings

from workers.celery import app
from workers.queue import time_limits


def test_separation_goes_to_the_gpu_queue_and_light_work_to_default():
    assert {q.name for q in app.conf.task_queues} == {"gpu", "default"}
    assert app.conf.task_routes["workers.separate_job"]["queue"] == "gpu"
    keys = {q.name: (q.exchange.name, q.routing_key) for q in app.conf.task_queues}
    assert keys == {"gpu": ("gpu", "gpu"), "default": ("default", "default")}
    assert app.conf.task_default_queue == "default"


def test_the_visibility_timeout_outlasts_the_longest_hard_time_limit():
    _, longest = time_limits(settings.STEMWORKS_MAX_DURATION_S)
    broker = app.conf.broker_transport_options["visibility_timeout"]
    backend = app.conf.result_backend_transport_options["visibility_timeout"]

    assert broker == backend
    assert broker > longest


def test_the_tests_run_on_redis():
    assert app.conf.broker_url.startswith("redis://")


def test_beat_runs_the_reconciler_and_the_retention_job():
    app.loader.import_default_modules()
    app.finalize()
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}

    assert tasks == {"workers.reconcile_jobs", "workers.purge_expired"}
    assert {"workers.reconcile_jobs", "workers.purge_expired"} <= set(app.tasks)
