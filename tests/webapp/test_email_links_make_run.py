"""`make run`: the web server, the worker and beat all get SITE_URL from HOST and PORT."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STUB = """#!/bin/sh
echo "$(basename "$0") $* SITE_URL=$SITE_URL" >> "{log}"
# The server stays up a moment, as a real one would, so the worker and beat start too.
case "$*" in *runserver*) sleep 2 ;; esac
"""


@pytest.fixture
def fake_venv(tmp_path) -> Path:
    """A venv whose python and celery only record how they were called."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "celery"):
        path = venv / "bin" / name
        path.write_text(STUB.format(log=tmp_path / "calls.log"))
        path.chmod(0o755)
    (venv / ".installed").touch()
    return venv


def make_run(fake_venv: Path, *args: str, **env: str) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if k != "SITE_URL"} | env
    subprocess.run(
        [shutil.which("make"), "-s", "run", f"VENV={fake_venv}", *args],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=60,
        capture_output=True,
    )
    return (fake_venv.parent / "calls.log").read_text().splitlines()


def test_every_process_of_make_run_gets_site_url_from_host_and_port(fake_venv):
    calls = make_run(fake_venv, "HOST=stemworks.example", "PORT=8011")

    started = {" ".join(c.split()[:3]) for c in calls}
    assert {
        "python manage.py ensure_demo_user",
        "python manage.py runserver",
        "celery -A workers",
    } <= started
    assert len([c for c in calls if c.startswith("celery")]) == 2  # worker and beat
    assert all(c.endswith("SITE_URL=http://stemworks.example:8011") for c in calls)
    assert any("runserver --noreload stemworks.example:8011" in c for c in calls)


def test_a_site_url_set_by_hand_wins(fake_venv):
    calls = make_run(fake_venv, "PORT=8011", SITE_URL="https://stems.example.org")

    assert all(c.endswith("SITE_URL=https://stems.example.org") for c in calls)


def test_a_wildcard_host_gives_links_to_the_local_address(fake_venv):
    calls = make_run(fake_venv, "HOST=0.0.0.0", "PORT=8011")

    assert all(c.endswith("SITE_URL=http://127.0.0.1:8011") for c in calls)
    assert any("runserver --noreload 0.0.0.0:8011" in c for c in calls)
