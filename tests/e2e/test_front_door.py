"""The README and the API guide stay true: their commands exist and their URLs resolve."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]


def code_lines(markdown: str) -> list[str]:
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", markdown, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*):", makefile, flags=re.M))


def test_every_make_command_in_the_readme_is_a_makefile_target():
    readme = (ROOT / "README.md").read_text()
    used = set(re.findall(r"\bmake ([a-z][\w-]*)", readme))

    assert {"run", "test"} <= used
    assert used <= make_targets()


def test_the_readme_quick_start_is_two_commands_ending_in_make_run():
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start: two commands", 1)[1].split("```sh\n", 1)[1]
    commands = quick_start.split("```", 1)[0].strip().splitlines()

    assert len(commands) == 2
    assert commands[-1] == "make run"


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_url_in_the_api_guide_resolves_to_a_view():
    guide = (ROOT / "docs" / "api.md").read_text()
    urls = re.findall(r"\$STEMWORKS(/[^\s\"']*)", guide)
    assert len(urls) >= 8

    for url in urls:
        path = urlsplit(url.replace("$JOB", "0e6a6f5c-4bb8-4a43-9d7a-2f7b6d8f1a11")).path
        resolve(path)  # raises Resolver404 for a path the API does not have


def test_the_api_guide_uses_only_fields_the_api_reads():
    guide = (ROOT / "docs" / "api.md").read_text()
    fields = set(re.findall(r"-F (\w+)=", guide))

    upload = {"file", "model", "target", "kind"}
    read = set().union(*(serializer().fields for serializer in input_serializers()))
    assert upload <= fields <= read | {"username", "password"}


def input_serializers() -> list:
    from webapp.accounts import serializers as accounts
    from webapp.billing import serializers as billing
    from webapp.jobs import serializers as jobs

    modules = (accounts, billing, jobs)
    return [
        getattr(module, name)
        for module in modules
        for name in dir(module)
        if name.endswith("InputSerializer")
    ]


def test_docker_compose_has_the_production_services_with_health_checks():
    import yaml

    from workers.celery import app

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    wanted = {"web", "gpu-worker", "cpu-worker", "beat", "postgres", "redis", "minio"}

    assert wanted <= set(services)
    assert all("healthcheck" in services[name] for name in wanted)
    queues = {q.name for q in app.conf.task_queues}
    for name in ("gpu-worker", "cpu-worker"):
        command = services[name]["command"].split()
        assert set(command[command.index("-Q") + 1].split(",")) <= queues
    assert "gunicorn webapp.wsgi" in services["web"]["command"]
