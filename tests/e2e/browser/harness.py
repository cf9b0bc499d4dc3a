"""Plain helpers behind the browser fixtures: what a page may request, where screenshots go."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    # Media elements and audio contexts start without a click, so tests can play audio.
    "--autoplay-policy=no-user-gesture-required",
]
# Playwright's BrowserContext options per viewport name.
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1},
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "device_scale_factor": 1,
        "is_mobile": True,
        "has_touch": True,
    },
}
# Schemes that never leave the browser.
LOCAL_SCHEMES = ("data", "blob")


def foreign_requests(urls: list[str], server_url: str) -> list[str]:
    """Return the URLs that went anywhere but the server at `server_url` (same host and port)."""
    server = urlsplit(server_url)
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in LOCAL_SCHEMES
        and (urlsplit(url).hostname, urlsplit(url).port) != (server.hostname, server.port)
    ]


def screenshot_dir() -> Path:
    """Return where screenshots go: $STEMWORKS_SCREENSHOT_DIR, else var/screenshots."""
    return Path(os.environ.get("STEMWORKS_SCREENSHOT_DIR") or ROOT / "var" / "screenshots")


@dataclass
class PageLog:
    """What one browser context did: every request URL, uncaught errors, console errors."""

    viewport: str
    requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def problems(self, server_url: str) -> list[str]:
        """Return lines describing what breaks the rules: other hosts, uncaught errors."""
        foreign = foreign_requests(self.requests, server_url)
        lines = [f"request to another host: {url}" for url in foreign]
        lines += [f"uncaught page error: {error}" for error in self.page_errors]
        return lines
