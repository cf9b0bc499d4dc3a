"""`manage.py check --deploy` passes with the environment docker-compose.yml gives the web
service (https only, HSTS, secure cookies, the proxy's header), and fails when it drifts."""

import os
import subprocess
import sys

import pytest

from tests.webapp.compose_env import OPERATOR_SECRETS, ROOT, interpolate, service_environment


def check_deploy(tmp_path, **overrides: str) -> subprocess.CompletedProcess:
    """Run `manage.py check --deploy --fail-level WARNING` with the web service's environment."""
    environment = service_environment("web", OPERATOR_SECRETS) | overrides
    environment |= {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "STEMWORKS_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_web_service_of_docker_compose_passes_the_deploy_check(tmp_path):
    environment = service_environment("web", OPERATOR_SECRETS)

    result = check_deploy(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert environment["STEMWORKS_HTTPS"] == "1"
    assert environment["STEMWORKS_BEHIND_TLS_PROXY"] == "1"


@pytest.mark.parametrize(
    ("overrides", "warnings"),
    [
        ({"STEMWORKS_HSTS_SECONDS": "0"}, {"security.W004"}),
        ({"STEMWORKS_HSTS_PRELOAD": "0"}, {"security.W021"}),
        ({"STEMWORKS_HTTPS": "0"}, {"security.W004", "security.W008", "security.W012"}),
        ({"DEBUG": "1"}, {"security.W018"}),
    ],
    ids=["hsts-off", "hsts-not-preloadable", "http", "debug"],
)
def test_the_deploy_check_fails_when_the_settings_drift(tmp_path, overrides, warnings):
    result = check_deploy(tmp_path, **overrides)

    assert result.returncode != 0
    assert all(warning in result.stderr for warning in warnings), result.stderr


@pytest.mark.parametrize(
    "secret_key",
    [
        "stemworks-insecure-development-key-change-me",  # the built-in one
        "django-insecure-" + "x1y2z3" * 10,
        "short-but-random-Q7f",
        "a" * 60,
    ],
    ids=["development-key", "django-insecure", "short", "one-character"],
)
def test_production_refuses_a_weak_or_built_in_secret_key(tmp_path, secret_key):
    result = check_deploy(tmp_path, SECRET_KEY=secret_key)

    assert result.returncode != 0
    assert "Set SECRET_KEY to a long random string" in result.stderr


def test_outside_production_the_development_key_still_starts(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "STEMWORKS_VAR_DIR": str(tmp_path / "var")},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_its_secrets():
    for name in OPERATOR_SECRETS:
        with pytest.raises(KeyError, match=name):
            service_environment("web", {k: v for k, v in OPERATOR_SECRETS.items() if k != name})


def test_compose_variables_are_read_as_compose_reads_them():
    variables = {"SET": "value", "EMPTY": ""}

    assert interpolate("${SET:-x}/${EMPTY:-x}/${UNSET:-x}/${EMPTY-x}/${UNSET-x}", variables) == (
        "value/x/x//x"
    )
    assert interpolate("$${NOT_A_VARIABLE} ${SET}", variables) == "${NOT_A_VARIABLE} value"
    with pytest.raises(KeyError, match="EMPTY is required: say so"):
        interpolate("${EMPTY:?say so}", variables)
