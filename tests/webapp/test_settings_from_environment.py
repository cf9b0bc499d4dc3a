"""The one settings module: embedded defaults, PostgreSQL/Redis/S3 when configured."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from webapp import settings as s
print(json.dumps({
    "db": s.DATABASES["default"]["ENGINE"],
    "broker": s.CELERY_BROKER_URL,
    "storage": s.STORAGES["default"],
    "visibility": s.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"],
}))
"""


def load(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    clean.update(STEMWORKS_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_without_configuration_it_needs_no_server(tmp_path):
    result = load(tmp_path)

    config = json.loads(result.stdout)
    assert config["db"] == "django.db.backends.sqlite3"
    assert config["broker"] == "filesystem://"
    assert config["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_with_urls_it_uses_postgresql_and_redis(tmp_path):
    result = load(tmp_path, DATABASE_URL="postgres://u@db:5432/x", REDIS_URL="redis://r:6379/1")

    config = json.loads(result.stdout)
    assert config["db"] == "django.db.backends.postgresql"
    assert config["broker"] == "redis://r:6379/1"


def test_with_a_bucket_it_stores_files_privately_in_s3(tmp_path):
    result = load(
        tmp_path, STEMWORKS_S3_BUCKET="stems", STEMWORKS_S3_ENDPOINT_URL="http://minio:9000"
    )

    storage = json.loads(result.stdout)["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "stems"
    assert storage["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert storage["OPTIONS"]["default_acl"] == "private"
    assert storage["OPTIONS"]["querystring_auth"] is True


def test_the_visibility_timeout_follows_the_longest_song(tmp_path):
    short = json.loads(load(tmp_path, STEMWORKS_MAX_DURATION_S="60").stdout)["visibility"]
    long = json.loads(load(tmp_path, STEMWORKS_MAX_DURATION_S="3600").stdout)["visibility"]

    assert long - short == 4 * (3600 - 60)


def test_a_bad_value_stops_the_process_with_its_name(tmp_path):
    result = load(tmp_path, STEMWORKS_MAX_UPLOAD_MB="lots")

    assert result.returncode != 0
    assert "ImproperlyConfigured: STEMWORKS_MAX_UPLOAD_MB must be an integer" in result.stderr
