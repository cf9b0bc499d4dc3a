"""Browser fixtures: Debian's Chromium, driven by Playwright, against pytest-django's live server.

`browser.new_page("desktop" | "phone")` opens a page in a fresh context whose relative URLs go
to the live server (in this process, on the test database, so `mail.outbox` is visible);
every request, uncaught error and console error is recorded, and the test fails at teardown
if a page talked to another host, threw, or broke its Content-Security-Policy (so every
browser test also proves its pages run under the site's policy). `log_in(page, user)` and
`screenshot(page, name)` help the tests; the tests in tests/e2e/ around these also get `worker`
(a real Celery worker).
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from tests.e2e.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    PageLog,
    screenshot_dir,
)

# Playwright's sync API keeps an asyncio event loop running on this thread while it is
# started, and Django's ORM refuses to run in a thread with a running loop (SynchronousOnly-
# Operation); the test bodies and fixtures here query the database between browser calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's password
_screenshots_taken: list[Path] = []


@pytest.fixture(scope="module")
def chromium(django_db_setup) -> Iterator[Browser]:
    """Launch Debian's Chromium headless for a test module (never Playwright's own download).

    Module scope, not session: while Playwright runs, an asyncio loop runs on this thread,
    `asyncio.run()` fails, and Django keeps database connections per asyncio context instead of
    per thread. So the test database is set up before, and connections are closed on both
    sides: none is left open out of reach (a later test counts the database's connections).
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need `apt-get install chromium`.",
            pytrace=False,
        )
    connections.close_all()
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        connections.close_all()
        playwright.stop()


class Pages:
    """Open pages on the live server, each in its own context, and remember what they did."""

    def __init__(self, chromium: Browser, server_url: str) -> None:
        self.chromium = chromium
        self.server_url = server_url
        self.logs: dict[BrowserContext, PageLog] = {}
        self.csp_violations: dict[BrowserContext, list[str]] = {}

    def new_page(self, viewport: str = "desktop") -> Page:
        """Return a page in a fresh context (no cookies) at `viewport`: "desktop" or "phone"."""
        context = self.chromium.new_context(base_url=self.server_url, **VIEWPORTS[viewport])
        log = self.logs[context] = PageLog(viewport)
        # Context events cover every page of the context, popups and workers included.
        context.on("request", lambda request: log.requests.append(request.url))
        context.on("weberror", lambda error: log.page_errors.append(str(error.error)))
        context.on(
            "console",
            lambda message: message.type == "error" and log.console_errors.append(message.text),
        )
        # Chromium reports each thing a Content-Security-Policy blocks on the console, for
        # documents and workers alike.
        violations = self.csp_violations[context] = []
        context.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and violations.append(f"{_where(message)}: {message.text}")
            ),
        )
        return context.new_page()

    def viewport_of(self, page: Page) -> str:
        return self.logs[page.context].viewport

    def close(self) -> None:
        """Close every context, then fail listing what broke the rules on any page."""
        for context in self.logs:
            context.close()
        problems = [line for log in self.logs.values() for line in log.problems(self.server_url)]
        problems += [
            f"Content-Security-Policy violation: {text}"
            for texts in self.csp_violations.values()
            for text in texts
        ]
        if problems:
            console = [line for log in self.logs.values() for line in log.console_errors]
            pytest.fail(
                "\n".join(
                    ["The browser pages broke the rules:", *problems]
                    + (["Console errors:", *console] if console else [])
                ),
                pytrace=False,
            )


def _where(message: ConsoleMessage) -> str:
    return message.page.url if message.page else "a worker"


@pytest.fixture
def browser(chromium: Browser, live_server) -> Iterator[Pages]:
    """Open pages on the live server: `browser.new_page(viewport="desktop" | "phone")`."""
    pages = Pages(chromium, live_server.url)
    yield pages
    pages.close()


@pytest.fixture
def log_in(browser: Pages):
    """Log `user` in on `page`: `log_in(page, user)` sets a session cookie (fast);
    `log_in(page, user, form=True)` types the password into /accounts/login/ instead."""

    def log_in(page: Page, user, *, form: bool = False, password: str = PASSWORD) -> None:
        if form:
            page.goto("/accounts/login/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", password)
            with page.expect_navigation():
                page.click("form button[type=submit]")
            assert "/accounts/login/" not in page.url, f"log-in failed for {user.username}"
            return
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": browser.server_url}]
        )

    return log_in


@pytest.fixture
def screenshot(browser: Pages):
    """Save a full-page PNG of `page`: `screenshot(page, "dashboard")` writes
    <dir>/dashboard-<viewport>.png, dir being $STEMWORKS_SCREENSHOT_DIR or var/screenshots."""

    def screenshot(page: Page, name: str) -> Path:
        path = screenshot_dir() / f"{name}-{browser.viewport_of(page)}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
        _screenshots_taken.append(path)
        return path

    return screenshot


def pytest_terminal_summary(terminalreporter) -> None:
    """Say where this run's screenshots are, so a person can look at them."""
    folders: dict[Path, set[Path]] = {}
    for path in _screenshots_taken:
        folders.setdefault(path.parent, set()).add(path)
    for folder, paths in folders.items():
        terminalreporter.write_line(f"Screenshots: {folder} ({len(paths)} files)")
