"""Enqueueing puts only the job id on the real Redis gpu queue, with scaled time limits."""

import json
import uuid

import pytest
import redis

from workers.queue import enqueue_separation, time_limits


@pytest.fixture
def gpu_queue(redis_url):
    client = redis.Redis.from_url(redis_url)
    added = []
    yield client, added
    for raw in added:
        client.lrem("gpu", 0, raw)


def test_it_sends_the_job_id_to_the_gpu_queue_with_time_limits(gpu_queue, settings):
    client, added = gpu_queue
    job_id = uuid.uuid4()

    enqueue_separation(job_id=job_id, duration=100.0)

    mine = [raw for raw in client.lrange("gpu", 0, -1) if str(job_id).encode() in raw]
    added.extend(mine)
    assert len(mine) == 1
    headers = json.loads(mine[0])["headers"]
    assert headers["task"] == "workers.separate_job"
    assert headers["argsrepr"] == repr([str(job_id)])
    soft, hard = time_limits(100.0)
    assert headers["timelimit"] == [hard, soft]


def test_time_limits_grow_with_the_song(settings):
    settings.STEMWORKS_TIME_LIMIT_BASE_S = 100
    settings.STEMWORKS_TIME_LIMIT_FACTOR = 2.0
    settings.STEMWORKS_TIME_LIMIT_GRACE_S = 30

    assert time_limits(60) == (220, 250)
    assert time_limits(600) == (1300, 1330)
