"""With docker-compose.yml's environment the site answers as a https-only site behind its
proxy: plain http is redirected (but for the health check compose runs inside the container),
and requests the proxy marked https get HSTS and secure cookies."""

import json
import os
import subprocess
import sys

import pytest

from tests.webapp.compose_env import OPERATOR_SECRETS, ROOT, service_environment

# Requests through Django's test client, in a process that has only the compose environment.
PROBE = """
import json, django
django.setup()
from django.test import Client

client = Client(HTTP_HOST="localhost")
answers = {}
for name, path, headers in [
    ("http", "/accounts/login/", {}),
    ("health", "/healthz", {}),
    ("https", "/accounts/login/", {"HTTP_X_FORWARDED_PROTO": "https"}),
]:
    response = client.get(path, **headers)
    answers[name] = {
        "status": response.status_code,
        "location": response.get("Location"),
        "hsts": response.get("Strict-Transport-Security"),
        "csrf_cookie_secure": bool(
            response.cookies.get("csrftoken") and response.cookies["csrftoken"]["secure"]
        ),
    }
print(json.dumps(answers))
"""


def answers(tmp_path, **overrides: str) -> dict:
    """Return how the site answered PROBE's requests, by name, in the web service's environment."""
    environment = service_environment("web", OPERATOR_SECRETS) | overrides
    environment |= {
        "PATH": os.environ["PATH"],
        "STEMWORKS_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "webapp.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    return answers(tmp_path_factory.mktemp("production"))


def test_plain_http_is_redirected_to_https(production):
    http = production["http"]

    assert http["status"] == 301
    assert http["location"] == "https://localhost/accounts/login/"


def test_the_health_check_answers_over_plain_http(production):
    assert production["health"]["status"] == 200


def test_through_the_proxy_pages_get_hsts_and_secure_cookies(production):
    https = production["https"]

    assert https["status"] == 200
    assert https["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert https["csrf_cookie_secure"] is True


def test_the_plain_http_try_out_neither_redirects_nor_pins_https(tmp_path):
    http = answers(tmp_path, STEMWORKS_HTTPS="0", SITE_URL="http://localhost:8000")["http"]

    assert http["status"] == 200
    assert http["hsts"] is None
    assert http["csrf_cookie_secure"] is False
