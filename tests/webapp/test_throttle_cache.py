"""Throttle counters live in the cache every web process shares: Redis when REDIS_URL is set."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import json; from webapp import settings as s; print(json.dumps(s.CACHES['default']))"


def cache_settings(tmp_path, **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    clean.update(STEMWORKS_VAR_DIR=str(tmp_path / "var"), **env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_redis_url_puts_the_cache_in_redis_under_its_own_prefix(tmp_path):
    config = cache_settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/3")

    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert config["KEY_PREFIX"]


def test_the_embedded_setup_keeps_the_cache_in_memory(tmp_path):
    config = cache_settings(tmp_path)

    assert config["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
def test_a_second_cache_client_sees_the_counter_the_first_one_kept(anonymous_api, owner, settings):
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "2/minute"
    wrong = {"username": "owner", "password": "guess"}
    for _ in range(2):
        anonymous_api.post("/api/v1/auth/login", wrong)
    config = settings.CACHES["default"]
    # Another web process: its own client and connection pool on the same Redis.
    other_process = RedisCache(config["LOCATION"], {"KEY_PREFIX": config["KEY_PREFIX"]})

    assert isinstance(caches["default"], RedisCache)
    assert len(other_process.get("throttle_auth_127.0.0.1")) == 2
    other_process.delete("throttle_auth_127.0.0.1")
    assert anonymous_api.post("/api/v1/auth/login", wrong).status_code == 400
