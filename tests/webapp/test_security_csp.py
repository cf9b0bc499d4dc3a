"""Every response carries the site's Content-Security-Policy: only its own scripts and styles,
no inline code, no framing; on S3 the storage's address may serve audio and waveforms."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import JobFactory

ROOT = Path(__file__).resolve().parents[2]
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "media-src": ["'self'", "blob:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def directives(header: str) -> dict[str, list[str]]:
    """Return a Content-Security-Policy header as {directive: [sources]}."""
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in parts}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/upload/",
        "/dashboard/",
        "/jobs/{job}/",
        "/api/v1/jobs",
        "/api/docs/",
        "/admin/",
        "/no-such-page/",
    ],
)
def test_every_kind_of_response_carries_the_policy(client, staff, path):
    job = JobFactory(owner=staff)
    client.force_login(staff)

    response = client.get(path.format(job=job.id))

    assert response.status_code in (200, 302, 404)
    assert directives(response["Content-Security-Policy"]) == POLICY


def test_the_api_docs_page_runs_no_inline_script_or_style(client, db):
    page = client.get("/api/docs/").content.decode()
    script_url = re.findall(r'<script src="([^"]*\?[^"]*script[^"]*)"', page)

    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert "<style" not in page and "style=" not in page
    assert len(script_url) == 1
    script = client.get(script_url[0].replace("&amp;", "&"))
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle(" in script.content


# What a policy without 'unsafe-inline' would block, as it appears in a template or script.
INLINE_IN_TEMPLATES = re.compile(
    r"\sstyle\s*=|<style|<script(?![^>]*\bsrc=)|\son[a-z]+\s*=|javascript:", re.IGNORECASE
)
EVAL_IN_SCRIPTS = re.compile(
    r"\beval\(|new Function\(|set(?:Timeout|Interval)\(\s*[\"'`]|setAttribute\(\s*[\"']style"
)


def test_no_template_has_inline_styles_scripts_or_event_handlers():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
        for path in sorted((ROOT / "webapp").glob("**/templates/**/*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE_IN_TEMPLATES.search(line)
    ]

    assert found == []


def test_no_script_of_the_site_evaluates_strings():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
        for path in sorted((ROOT / "webapp").glob("**/static/stemworks/*.js"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if EVAL_IN_SCRIPTS.search(line)
    ]

    assert found == []


def test_the_checks_above_catch_what_the_policy_blocks():
    assert INLINE_IN_TEMPLATES.search('<p style="margin:0">')
    assert INLINE_IN_TEMPLATES.search("<script>alert(1)</script>")
    assert INLINE_IN_TEMPLATES.search('<button onclick="go()">')
    assert not INLINE_IN_TEMPLATES.search('<script src="/static/x.js"></script>')
    assert not INLINE_IN_TEMPLATES.search('<p class="notice" data-state="on">')
    assert EVAL_IN_SCRIPTS.search('setTimeout("tick()", 10)')
    assert not EVAL_IN_SCRIPTS.search("setTimeout(tick, 10)")


PROBE = """
import json
from webapp import settings as s
print(json.dumps(s.CONTENT_SECURITY_POLICY["DIRECTIVES"]))
"""


def policy_with(tmp_path, **env: str) -> dict[str, list[str]]:
    """Return the policy's directives that the settings make of `env`."""
    environment = {"PATH": os.environ["PATH"], "STEMWORKS_VAR_DIR": str(tmp_path / "var"), **env}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_on_minio_the_public_address_may_serve_audio_and_waveforms(tmp_path):
    policy = policy_with(
        tmp_path,
        STEMWORKS_S3_BUCKET="stems",
        STEMWORKS_S3_ENDPOINT_URL="http://minio:9000",
        STEMWORKS_S3_PUBLIC_URL="https://files.example.com/",
    )

    assert policy["media-src"] == ["'self'", "blob:", "https://files.example.com"]
    assert policy["connect-src"] == ["'self'", "https://files.example.com"]
    assert policy["script-src"] == ["'self'"]


def test_on_aws_the_buckets_own_hosts_may_serve_audio(tmp_path):
    policy = policy_with(tmp_path, STEMWORKS_S3_BUCKET="stems", STEMWORKS_S3_REGION="eu-west-1")

    assert policy["media-src"][2:] == [
        "https://stems.s3.amazonaws.com",
        "https://stems.s3.eu-west-1.amazonaws.com",
    ]


def test_on_local_disk_only_the_site_serves_audio(tmp_path):
    policy = policy_with(tmp_path)

    assert policy["media-src"] == ["'self'", "blob:"]
    assert policy["connect-src"] == ["'self'"]
