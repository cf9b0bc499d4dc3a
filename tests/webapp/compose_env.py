"""The environment docker-compose.yml gives a service, as `docker compose` would work it out."""

import re
import secrets
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
# What an operator puts in .env: the secrets compose requires, nothing else.
OPERATOR_SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
    "MINIO_ROOT_PASSWORD": secrets.token_urlsafe(24),
}
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}; $$ is a literal $.
_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def compose_services() -> dict:
    """Return docker-compose.yml's services, with its YAML anchors and merges applied."""
    return yaml.safe_load(COMPOSE.read_text())["services"]


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Return `value` with ${...} forms replaced from `variables`, as compose does; a
    required variable missing from `variables` raises KeyError."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, word = match.groups()
        given = variables.get(name)
        if operator in (":?", "?"):
            if given is None or (operator == ":?" and given == ""):
                raise KeyError(f"{name} is required: {word}")
            return given
        if operator == ":-" and not given:
            return word
        if operator == "-" and given is None:
            return word
        return given or ""

    return _VARIABLE.sub(replace, value)


def service_environment(service: str, variables: dict[str, str]) -> dict[str, str]:
    """Return the environment docker-compose.yml gives `service`, with `variables` standing
    for the shell's (or the .env file's) variables."""
    environment = compose_services()[service].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {name: interpolate(str(value), variables) for name, value in environment.items()}
