"""The browser harness itself: Chromium renders our pages, logs in, plays audio, stays local."""

import base64
import struct

import pytest

from tests.e2e.browser.harness import ROOT, PageLog, foreign_requests, screenshot_dir
from tests.factories import UserFactory, wav_bytes

SERVER = "http://localhost:41234"


def png_size(data: bytes) -> tuple[int, int]:
    """Return (width, height) of a PNG file, read from its header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(("viewport", "width"), [("desktop", 1280), ("phone", 375)])
def test_the_login_page_renders_and_is_saved_as_a_full_page_screenshot(
    browser, screenshot, viewport, width
):
    page = browser.new_page(viewport)

    response = page.goto("/accounts/login/")

    assert response.status == 200
    assert page.locator("#id_username").is_visible()
    assert page.locator("#id_password").is_visible()
    path = screenshot(page, "login")
    assert path == screenshot_dir() / f"login-{viewport}.png"
    laid_out = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollHeight]")
    png_width, png_height = png_size(path.read_bytes())
    assert png_width == max(width, laid_out[0])  # wider only if the page overflows
    assert png_height >= laid_out[1]


def test_screenshots_go_where_the_environment_says(monkeypatch, tmp_path):
    monkeypatch.delenv("STEMWORKS_SCREENSHOT_DIR", raising=False)
    assert screenshot_dir() == ROOT / "var" / "screenshots"

    monkeypatch.setenv("STEMWORKS_SCREENSHOT_DIR", str(tmp_path))
    assert screenshot_dir() == tmp_path


@pytest.mark.parametrize("form", [False, True], ids=["session-cookie", "login-form"])
def test_a_logged_in_page_is_the_users(browser, log_in, form, db):
    user = UserFactory(username="harness")
    page = browser.new_page()

    log_in(page, user, form=form)
    page.goto("/accounts/login/")
    me = page.evaluate("fetch('/api/v1/auth/me').then(r => r.json())")

    assert me["username"] == "harness"


def test_a_page_without_logging_in_is_anonymous(browser):
    page = browser.new_page()
    page.goto("/accounts/login/")

    status = page.evaluate("fetch('/api/v1/auth/me').then(r => r.status)")

    assert status in (401, 403)


def test_static_files_of_an_app_load_in_the_page(browser):
    page = browser.new_page()
    page.goto("/accounts/login/")

    loaded = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const link = document.createElement('link');
            link.rel = 'stylesheet';
            link.href = '/static/rest_framework/css/default.css';
            link.onload = () => resolve(document.styleSheets.length);
            link.onerror = () => reject(new Error('stylesheet did not load'));
            document.head.appendChild(link);
        })"""
    )

    assert loaded >= 1
    assert any(url.endswith("/static/rest_framework/css/default.css") for url in _requests(browser))


def _requests(browser) -> list[str]:
    return [url for log in browser.logs.values() for url in log.requests]


def test_requests_to_other_hosts_are_caught():
    urls = [
        f"{SERVER}/accounts/login/",
        f"{SERVER}/static/stemworks/app.css",
        "data:audio/wav;base64,UklGRg==",
        "blob:http://localhost:41234/4f1c",
        "https://cdn.example.com/htmx.min.js",
        "http://localhost:8000/api/v1/jobs",
        "http://127.0.0.1:41234/healthz",
        "https://fonts.googleapis.com/css?family=Inter",
    ]

    assert foreign_requests(urls, SERVER) == [
        "https://cdn.example.com/htmx.min.js",
        "http://localhost:8000/api/v1/jobs",
        "http://127.0.0.1:41234/healthz",
        "https://fonts.googleapis.com/css?family=Inter",
    ]


def test_a_page_log_reports_other_hosts_and_uncaught_errors_but_not_console_errors():
    log = PageLog("phone", requests=[f"{SERVER}/", "https://cdn.example.com/x.js"])
    log.page_errors.append("ReferenceError: player is not defined")
    log.console_errors.append("Failed to load resource: 404")

    assert log.problems(SERVER) == [
        "request to another host: https://cdn.example.com/x.js",
        "uncaught page error: ReferenceError: player is not defined",
    ]


def test_uncaught_page_errors_are_recorded(browser):
    page = browser.new_page()
    with page.expect_event("pageerror"):
        page.set_content("<script>setTimeout(() => { throw new Error('boom'); }, 0)</script>")

    log = browser.logs[page.context]
    assert any("boom" in error for error in log.page_errors)
    log.page_errors.clear()  # expected here; any other test with one fails at teardown


def test_audio_plays_headless_and_its_media_time_advances(browser):
    page = browser.new_page()
    src = "data:audio/wav;base64," + base64.b64encode(wav_bytes(1.0)).decode()
    page.set_content(f'<audio src="{src}" preload="auto"></audio>')

    page.evaluate("document.querySelector('audio').play()")
    page.wait_for_function("document.querySelector('audio').currentTime > 0.3", timeout=5000)

    state = page.locator("audio").evaluate("a => ({t: a.currentTime, paused: a.paused})")
    assert state["t"] > 0.3
    assert not state["paused"]
