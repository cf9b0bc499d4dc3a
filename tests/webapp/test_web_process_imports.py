"""The web process stays small: serving the API never imports torch."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
import django
django.setup()
import webapp.urls, webapp.wsgi, webapp.jobs.apis, workers.queue, workers.tasks
from django.test import Client
Client().get("/api/schema/")
print("torch" in sys.modules)
"""


def test_the_web_process_never_imports_torch():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
