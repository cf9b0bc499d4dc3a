"""No secret in the repository: no file git tracks holds a live-looking API key, private key
or Django SECRET_KEY, and docker-compose.yml makes the operator supply every password."""

import re
import subprocess

from tests.webapp.compose_env import ROOT, compose_services
from webapp.settings import DEVELOPMENT_SECRET_KEY

# Shapes of real secrets: long enough that a test's placeholder ("sk_test_123") is not one.
SECRET_SHAPES = {
    "Stripe secret or restricted key": re.compile(r"\b[sr]k_(?:live|test)_[0-9A-Za-z]{20,}"),
    "Stripe webhook signing secret": re.compile(r"\bwhsec_[0-9A-Za-z]{20,}"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(r"(?i)aws.{0,20}secret.{0,20}[\"'=: ]+[0-9A-Za-z/+]{40}\b"),
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "GitHub token": re.compile(r"\bgh[pousr]_[0-9A-Za-z]{36}\b"),
    "password in a URL": re.compile(r"://[^/\s:@\"']+:([^@/\s\"'$]+)@"),
    "Django's generated SECRET_KEY": re.compile(r"django-insecure-[^\s\"']{20,}"),
    "hard-coded SECRET_KEY": re.compile(r"(?<![A-Z_])SECRET_KEY\s*[:=]\s*[\"']([^\"'$]{16,})[\"']"),
}
# The built-in development key is allowed because production refuses to start with it
# (tests/webapp/test_security_deploy_check.py).
ALLOWED = {DEVELOPMENT_SECRET_KEY}
SECRET_NAMES = re.compile(r"PASSWORD|SECRET|TOKEN")
# A value compose takes from the operator's environment, with no default or an empty one.
FROM_THE_OPERATOR = re.compile(r"^\$\{\w+(?::?\?[^}]*|:?-)?\}$")


def secrets_in(text: str) -> list[str]:
    """Return what in `text` looks like a secret, by kind."""
    found = []
    for kind, shape in SECRET_SHAPES.items():
        for match in shape.finditer(text):
            value = match.group(match.lastindex or 0)
            if value not in ALLOWED:
                found.append(f"{kind}: {match.group(0)[:24]}...")
    return found


def tracked_text_files() -> dict[str, str]:
    """Return every file git tracks (committed or staged) that reads as text, by path."""
    paths = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    files = {}
    for name in filter(None, paths):
        path = ROOT / name.decode()
        if not path.is_file():
            continue  # deleted in the working tree
        try:
            files[name.decode()] = path.read_text()
        except UnicodeDecodeError:
            continue  # binary
    return files


def test_no_tracked_file_holds_a_secret():
    files = tracked_text_files()

    found = [f"{path}: {hit}" for path, text in files.items() for hit in secrets_in(text)]

    assert "webapp/settings.py" in files and len(files) > 100
    assert found == []


def test_docker_compose_takes_every_password_from_the_operator():
    hard_coded = [
        f"{service}: {name}={value}"
        for service, spec in compose_services().items()
        for name, value in (spec.get("environment") or {}).items()
        if SECRET_NAMES.search(name) and not FROM_THE_OPERATOR.match(str(value))
    ]

    assert hard_coded == []


def test_the_scan_finds_secrets_of_each_kind():
    stripe_live = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc" * 2
    leaks = {
        "Stripe secret or restricted key": f'STRIPE_SECRET_KEY = "{stripe_live}"',
        "Stripe webhook signing secret": "whsec_" + "5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH",
        "AWS access key id": "aws_access_key_id = AKIA" + "IOSFODNN7EXAMPLE",
        "AWS secret access key": "aws_secret_access_key = "
        + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "private key": "-----BEGIN " + "OPENSSH PRIVATE KEY-----",
        "GitHub token": "ghp_" + "a" * 36,
        "password in a URL": "postgres://stemworks:" + "hunter2@postgres:5432/stemworks",
        "Django's generated SECRET_KEY": "django-insecure-" + "k3y" * 10,
        "hard-coded SECRET_KEY": 'SECRET_KEY = "' + "n0t-the-development-one" + '"',
    }

    for kind, text in leaks.items():
        assert any(hit.startswith(kind) for hit in secrets_in(text)), kind
    assert secrets_in(f'SECRET_KEY = envstr("SECRET_KEY", "{DEVELOPMENT_SECRET_KEY}")') == []
    assert secrets_in('settings.STRIPE_SECRET_KEY = "sk_test_123"') == []
    assert secrets_in("postgres://stemworks:${POSTGRES_PASSWORD:?}@postgres/stemworks") == []
    assert FROM_THE_OPERATOR.match("${MINIO_ROOT_PASSWORD:?Set it}")
    assert FROM_THE_OPERATOR.match("${STRIPE_SECRET_KEY:-}")
    assert not FROM_THE_OPERATOR.match("${MINIO_ROOT_PASSWORD:-stemworks-secret}")
    assert not FROM_THE_OPERATOR.match("stemworks")
