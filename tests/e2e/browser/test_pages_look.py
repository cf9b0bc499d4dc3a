"""Every main page at desktop and phone width, with a realistic account behind it: it fits the
screen, every control and link has a name, it has one <h1> and a <main>, the header shows the
balance, text is readable (WCAG contrast), and the keyboard reaches the controls. Each page is
saved as a screenshot for a person to look at."""

import functools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from tests import factories
from tests.factories import (
    JobFactory,
    RunningJobFactory,
    UserFactory,
    charged_job,
    paying_user,
    succeeded_job,
)
from webapp.accounts.services import api_token_create
from webapp.billing.models import Payment, PaymentStatus
from webapp.billing.selectors import credits_balance
from webapp.billing.services import credits_refund
from webapp.jobs.models import Kind, Status
from webapp.sharing.services import share_link_create

STEMS = ("drums", "bass", "other", "vocals")
# Encoding a stem's MP3 copies takes most of a second: every test's account reuses the bytes.
_stem_file_bytes = functools.cache(factories.stem_file_bytes)

# Visible controls and links without an accessible name, described for the failure message.
# The name is worked out as the accessible-name algorithm does, in its usual order.
UNNAMED = """() => {
  const text = (el) => (el ? (el.innerText || el.textContent || "").trim() : "");
  const visible = (el) => el.checkVisibility() && el.getClientRects().length > 0;
  const nameOf = (el) => {
    const byIds = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
      .map((id) => text(document.getElementById(id))).join(" ").trim();
    if (byIds) return byIds;
    if ((el.getAttribute("aria-label") || "").trim()) return el.getAttribute("aria-label");
    if (el.labels && [...el.labels].some((label) => text(label))) return "label";
    if (el.matches("button, a")) {
      const alt = [...el.querySelectorAll("img[alt]")].map((img) => img.alt).join("");
      if (text(el) || alt.trim()) return text(el) || alt;
    }
    if (el.matches("input[type=submit], input[type=button]") && el.value.trim()) return el.value;
    return (el.getAttribute("title") || "").trim();
  };
  const describe = (el) => el.outerHTML.slice(0, 160);
  const controls = [...document.querySelectorAll(
    "input:not([type=hidden]), select, textarea, button, a[href]")];
  // Radios hidden behind their labels (the star rating) still need a name.
  return controls.filter((el) => visible(el) || el.matches("input[type=radio]"))
    .filter((el) => !nameOf(el)).map(describe);
}"""

# WCAG contrast of every visible piece of text against the background it is drawn on.
CONTRAST = """(selector) => {
  const rgb = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const lin = (c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const blend = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
  // The colour behind an element: its own and its ancestors' backgrounds, blended down to white.
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0) { layers.push(colour); if (colour.a >= 1) break; }
    }
    const white = { r: 255, g: 255, b: 255, a: 1 };
    return layers.reverse().reduce((under, top) => blend(top, under), white);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const hasOwnText = (el) => [...el.childNodes].some(
    (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  const elements = selector ? [...document.querySelectorAll(selector)]
    : [...document.querySelectorAll("body *")].filter(hasOwnText);
  return elements
    .filter((el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })
      && el.getClientRects().length > 0 && !el.closest(".sr-only, :disabled"))
    .map((el) => {
      const style = getComputedStyle(el);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      const back = background(el);
      const fore = blend(rgb(style.color), back);
      return { what: el.outerHTML.slice(0, 120), ratio: ratio(fore, back), large };
    });
}"""


@dataclass
class Scene:
    """One customer's account in every state a page can show."""

    user: object
    succeeded: object
    preview: object
    running: object
    failed: object
    payment: Payment
    share_token: str


@pytest.fixture
def scene(transactional_db, monkeypatch) -> Scene:
    """A verified customer with jobs in every status, ledger rows, two tokens and a share link."""
    monkeypatch.setattr(factories, "stem_file_bytes", _stem_file_bytes)
    user = paying_user(UserFactory(username="maria", email="maria@example.com"), credits=60)
    queued = charged_job(user, cost=4, original_name="Queued - Late Night Demo.flac", duration=214)
    running = charged_job(
        user,
        cost=3,
        factory=RunningJobFactory,
        original_name="Harbour Lights (live at the Roundhouse).mp3",
        duration=187,
        progress=40,
        stage="separating",
    )
    failed = charged_job(
        user,
        cost=2,
        original_name="broken-export.wav",
        duration=95,
        status=Status.FAILED,
        error="The file could not be decoded: it is not audio or it is damaged.",
        finished_at=timezone.now(),
    )
    credits_refund(job_id=failed.id, reason="job failed")
    succeeded = succeeded_job(
        user, names=STEMS, seconds=12.0, formats=("wav", "mp3", "listen"), with_peaks=True
    )
    _describe(succeeded, name="Summer Nights - final master.wav", model="unet-4stems", cost=3)
    preview = succeeded_job(
        user, names=("vocals", "accompaniment"), seconds=8.0, formats=("wav", "listen"),
        with_peaks=True,
    )  # fmt: skip
    _describe(preview, name="demo_take_3.mp3", kind=Kind.PREVIEW, duration=8.0, input=241.0)
    JobFactory(owner=user, status=Status.CANCELLED, original_name="old idea.ogg", duration=60)
    assert queued.status == Status.QUEUED
    for name in ("laptop script", "studio mac mini"):
        api_token_create(user=user, name=name)
    link, _ = share_link_create(job=succeeded)
    payment = Payment.objects.create(
        user=user,
        pack="standard",
        credits=100,
        amount=900,
        currency="eur",
        status=PaymentStatus.OPEN,
        stripe_session_id="cs_test_pages_look",
    )
    return Scene(user, succeeded, preview, running, failed, payment, link.token)


def _describe(job, *, name: str, kind: str = Kind.FULL, model: str = "unet-2stems", cost=0,
              duration: float | None = None, input: float | None = None) -> None:  # fmt: skip
    """Give a factory job the name, kind and lengths a real one would have."""
    job.original_name, job.kind, job.model, job.cost = name, kind, model, cost
    job.duration = duration or job.stems.first().duration
    job.input_duration = input or job.duration
    job.save()


@dataclass(frozen=True)
class PageCase:
    name: str
    url: Callable[[Scene], str]
    logged_in: bool = True


PAGES = [
    PageCase("landing", lambda s: "/", logged_in=False),
    PageCase("login", lambda s: "/accounts/login/", logged_in=False),
    PageCase("signup", lambda s: "/accounts/signup/", logged_in=False),
    PageCase("dashboard", lambda s: "/dashboard/"),
    PageCase("upload", lambda s: "/upload/"),
    PageCase("job-player", lambda s: f"/jobs/{s.succeeded.id}/"),
    PageCase("job-preview", lambda s: f"/jobs/{s.preview.id}/"),
    PageCase("job-running", lambda s: f"/jobs/{s.running.id}/"),
    PageCase("job-failed", lambda s: f"/jobs/{s.failed.id}/"),
    PageCase("credits", lambda s: f"/credits/?checkout=success&payment={s.payment.id}"),
    PageCase("account", lambda s: "/account/"),
    PageCase("shared", lambda s: f"/s/{s.share_token}", logged_in=False),
]


def open_page(browser, log_in, scene: Scene, case: PageCase, viewport: str):
    page = browser.new_page(viewport)
    if case.logged_in:
        log_in(page, scene.user)
    response = page.goto(case.url(scene))
    assert response.status == 200, f"{case.name}: {response.status} at {page.url}"
    if page.locator("#player").count():
        # Waveforms are drawn once the peaks arrive: wait for them before the screenshot.
        page.wait_for_load_state("networkidle")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#player audio')].every(a => a.readyState >= 1)"
        )
    return page


# The site's palette where it is used: on these pages, text matching these selectors reaches
# 4.5:1 whatever its size.
KEY_TEXT = {
    "dashboard": [
        "main p, main td",
        "main .muted",
        "main td a",
        "main a.button",
        "main button.secondary",
        ".pill.succeeded, .pill.failed, .pill.running, .pill.queued, .pill.cancelled",
        "header nav a, header button.link, header .balance",
        "footer p, footer a",
    ],
    "upload": ["main .help, main legend, main label", "main button[type=submit]"],
    "job-failed": ["main .notice.bad p"],
    "credits": ["main .notice p, main th, main .pill"],
    "account": ["main .notice, main code, main pre, main button.danger"],
}


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("case", PAGES, ids=[case.name for case in PAGES])
def test_the_page_fits_names_its_controls_and_reads_well(
    browser, log_in, screenshot, scene, case, viewport
):
    page = open_page(browser, log_in, scene, case, viewport)
    screenshot(page, case.name)

    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{case.name} is {scroll_width}px wide on a {width}px screen"
    wide = page.evaluate(
        """(width) => [...document.querySelectorAll('body *')]
             .filter((el) => el.getBoundingClientRect().right > width + 1
                             && !el.closest('.table-wrap, pre'))
             .map((el) => el.outerHTML.slice(0, 100))""",
        width,
    )
    assert not wide, f"{case.name}: elements stick out past the screen's edge: {wide[:5]}"

    assert page.evaluate(UNNAMED) == [], f"{case.name}: controls or links without a name"
    assert page.locator("h1").count() == 1, f"{case.name} needs exactly one <h1>"
    assert page.locator("main").count() == 1, f"{case.name} needs one <main>"

    balances = page.locator("header [data-balance]")
    if case.logged_in:
        assert balances.count() == 1
        assert balances.inner_text().strip() == str(credits_balance(user=scene.user))
        for shown in page.locator("main [data-balance]").all_inner_texts():
            assert shown.strip() == str(credits_balance(user=scene.user))
    else:
        assert balances.count() == 0

    unreadable = [
        f"{row['ratio']:.2f}: {row['what']}"
        for row in page.evaluate(CONTRAST, None)
        if row["ratio"] < (3.0 if row["large"] else 4.5)
    ]
    assert not unreadable, f"{case.name}: text below WCAG AA contrast: {unreadable[:8]}"

    for selector in KEY_TEXT.get(case.name, ()):
        rows = page.evaluate(CONTRAST, selector)
        assert rows, f"{case.name}: nothing visible matches {selector}"
        low = [f"{row['ratio']:.2f}: {row['what']}" for row in rows if row["ratio"] < 4.5]
        assert not low, f"{case.name}: {selector} below 4.5:1: {low[:5]}"


FOCUSED = """() => {
  const el = document.activeElement;
  return el.id || el.getAttribute('aria-label') || (el.type === 'radio' ? `kind=${el.value}` : '')
    || (el.innerText || el.textContent || el.tagName).trim();
}"""


def tab_through(page, presses: int) -> list[str]:
    """Press Tab `presses` times from the top of the page; return what had focus each time."""
    page.locator("body").evaluate("body => { body.tabIndex = -1; body.focus(); }")
    focused = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused.append(page.evaluate(FOCUSED))
    return focused


def test_tab_reaches_the_skip_link_then_the_header(browser, log_in, scene):
    page = open_page(browser, log_in, scene, PAGES[3], "desktop")
    balance = credits_balance(user=scene.user)
    assert tab_through(page, 7) == [
        "Skip to content",
        "Stemworks",
        "Dashboard",
        "New separation",
        f"Credits {balance}",
        "Account",
        "Log out",
    ]
    # The skip link shows itself when focused, and takes focus to the content.
    tab_through(page, 1)
    assert page.locator(".skip").bounding_box()["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_tab_reaches_every_control_of_the_upload_form(browser, log_in, scene):
    page = open_page(browser, log_in, scene, PAGES[4], "desktop")
    focused = tab_through(page, 25)
    wanted = ["file", "model", "target", "kind=preview", "submit"]
    assert all(name in focused for name in wanted), focused
    assert [focused.index(name) for name in wanted] == sorted(
        focused.index(name) for name in wanted
    ), focused
    # Arrow keys move between the kinds, as in any radio group.
    page.focus("input[name=kind][value=preview]")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(FOCUSED) == "kind=full"
    assert page.locator("#submit").inner_text() != "Start free preview"
