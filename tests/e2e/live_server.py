"""A `make run`-style stack for end-to-end tests: runserver, a worker and beat as child processes.

The processes get the environment of a fresh install (no DATABASE_URL, no REDIS_URL: SQLite
and the filesystem broker under one var folder), whatever the test process itself runs on.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
# Settings that would move state off the embedded defaults (or out of the var folder).
NOT_EMBEDDED = ("DATABASE_URL", "REDIS_URL", "STEMWORKS_MEDIA_ROOT", "STEMWORKS_S3_BUCKET")


def embedded_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """Return the environment of a fresh embedded install keeping all its state in `var_dir`."""
    env = {name: value for name, value in os.environ.items() if name not in NOT_EMBEDDED}
    env.update(STEMWORKS_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1", **overrides)
    return env


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    """Run a manage.py command in `env` and return its standard output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def api_key_create(env: dict[str, str], *, username: str) -> str:
    """Create a user with a named API token in the stack's database; return the token's key."""
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from webapp.accounts.services import api_token_create\n"
        f"user = get_user_model().objects.create_user(username={username!r}, "
        f"email='{username}@example.com')\n"
        "print('KEY=' + api_token_create(user=user, name='e2e')[1])\n"
    )
    output = manage(env, "shell", "-c", script)
    return next(line[4:] for line in output.splitlines() if line.startswith("KEY="))


@dataclass
class Stack:
    """The running processes of a stack, their logs, and where the web server listens."""

    url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def log_text(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")

    def assert_alive(self) -> None:
        """Fail with the log's tail of any process that exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited:\n{self.log_text(name)[-3000:]}")


@contextmanager
def running_stack(env: dict[str, str], log_dir: Path) -> Iterator[Stack]:
    """Start runserver, a worker and beat as `make run` does; stop them all on exit."""
    port = free_port()
    stack = Stack(url=f"http://127.0.0.1:{port}")
    commands = {
        "worker": ["-m", "celery", "-A", "workers", "worker", "-Q", "gpu,default",
                   "--concurrency", "1", "--loglevel", "INFO",
                   "--hostname", f"e2e-{uuid.uuid4().hex[:8]}@%h"],
        "beat": ["-m", "celery", "-A", "workers", "beat", "--loglevel", "INFO"],
        "web": ["manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
    }  # fmt: skip
    files = []
    try:
        for name, args in commands.items():
            stack.logs[name] = log_dir / f"{name}.log"
            files.append(stack.logs[name].open("wb"))
            stack.processes[name] = subprocess.Popen(
                [sys.executable, *args], cwd=ROOT, env=env, stdout=files[-1],
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        _wait_until_listening(stack)
        yield stack
    finally:
        for process in stack.processes.values():
            process.terminate()
        for process in stack.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for file in files:
            file.close()


def _wait_until_listening(stack: Stack, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.assert_alive()
        try:
            request(stack.url, "GET", "/api/v1/jobs")
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the web server did not answer:\n" + stack.log_text("web")[-3000:])


def request(
    url: str, method: str, path: str, *, key: str = "", body: bytes = b"", content_type: str = ""
) -> tuple[int, bytes]:
    """Send one HTTP request on a fresh connection; return the status and the body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {"Authorization": f"Token {key}"} if key else {}
    if content_type:
        headers["Content-Type"] = content_type
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """Encode form fields and files (name -> (filename, bytes)); return the body and its type."""
    boundary = uuid.uuid4().hex
    chunks = []
    for name, value in fields.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode()
        )  # fmt: skip
    for name, (filename, content) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        chunks.append(head.encode() + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def get_json(url: str, path: str, *, key: str) -> dict:
    """GET a JSON resource; fail with the body unless the answer is 200."""
    status, body = request(url, "GET", path, key=key)
    assert status == 200, f"GET {path}: {status} {body[:500]!r}"
    return json.loads(body)
