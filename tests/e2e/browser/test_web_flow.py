"""A musician's whole visit in Chromium, against a live server and a real Celery worker on
PostgreSQL and Redis: sign up, verify, preview, listen, download, rate, buy the full song,
share and revoke; a bad file gets the API's reason, and nobody else sees the job."""

import re

import pytest
import soundfile as sf
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from separation.pretrained import example_song
from tests.e2e.browser.test_player import VOLUMES, assert_in_sync, playing_past
from tests.factories import UserFactory, paying_user
from webapp.accounts.services import api_token_create
from webapp.billing.selectors import credits_balance
from webapp.billing.services import credits_grant
from webapp.feedback.models import JobFeedback
from webapp.jobs.models import Job, Kind, Status

pytestmark = [pytest.mark.slow]
PASSWORD = "a tune worth 42 stems"
FINISHED_MS = 180_000


def sign_up_and_verify(page, username: str):
    page.goto("/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/dashboard/"), page.url
    link = re.search(r"http://\S+/accounts/verify-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    assert "is verified" in page.locator("main").inner_text()


def watch_progress(page) -> None:
    """Record every percentage the job page shows, without reloading it."""
    page.evaluate(
        """() => {
          window.seenPercents = [];
          const note = () => {
            const el = document.getElementById('job-percent');
            if (el) seenPercents.push(el.textContent);
          };
          new MutationObserver(note).observe(document.getElementById('main'),
            {subtree: true, childList: true, characterData: true});
        }"""
    )


def job_id_of(page) -> str:
    return re.search(r"/jobs/([0-9a-f-]{36})/", page.url).group(1)


def test_from_sign_up_to_a_shared_full_song(browser, worker, screenshot):
    page = browser.new_page()
    sign_up_and_verify(page, "mira")
    user = get_user_model().objects.get(username="mira")

    # Upload the example song as a preview; the job page follows it to the end by itself.
    page.goto("/upload/")
    screenshot(page, "flow-upload")
    page.set_input_files("#file", str(example_song()))
    with page.expect_navigation():
        page.click("#submit")
    preview_id = job_id_of(page)
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    watch_progress(page)
    page.wait_for_selector("#player", timeout=FINISHED_MS)
    assert navigations == [], "the job page reloaded"
    assert "100" in page.evaluate("seenPercents")
    assert page.inner_text("#job-status") == "succeeded"
    screenshot(page, "flow-preview-player")

    # Listen: media time advances, solo and mute change the other stem's level, seeks stay in sync.
    assert [n.strip() for n in page.locator(".lane-name").all_inner_texts()] == [
        "vocals",
        "accompaniment",
    ]
    page.click("#play")
    playing_past(page, 0.5)
    page.click("button[aria-label='Solo vocals']")
    assert page.evaluate(VOLUMES) == [1, 0]
    page.click("button[aria-label='Solo vocals']")
    page.click("button[aria-label='Mute vocals']")
    assert page.evaluate(VOLUMES) == [0, 1]
    page.click("button[aria-label='Mute vocals']")
    page.locator("#seek").fill("6")
    playing_past(page, 6.0)
    assert_in_sync(page)
    page.click("#play")

    # Download a stem: a WAV as long as the stem.
    with page.expect_download() as download:
        page.click("a[aria-label='Download vocals as WAV']")
    info = sf.info(download.value.path())
    stem = Job.objects.get(id=preview_id).stems.get(name="vocals")
    assert info.samplerate == 44100
    assert info.frames == round(stem.duration * 44100)

    # Rate it.
    page.click("label[for='rating-4']")
    page.check("input[name='thumb-vocals'][value='up']")
    page.fill("#comment", "Clean vocals.")
    page.click("#rating-form button[type=submit]")
    page.wait_for_selector("#rating-saved:has-text('saved')")
    feedback = JobFeedback.objects.get(job_id=preview_id, user=user)
    assert (feedback.rating, feedback.comment) == (4, "Clean vocals.")
    assert {s.stem: s.thumbs_up for s in feedback.stems.all()} == {"vocals": True}

    # Buy the full song with credits, from the preview's page: the upload is reused.
    credits_grant(user=user, amount=20, reason="test credits")
    page.reload()
    price = int(page.get_attribute("#full-form", "data-cost"))
    with page.expect_navigation():
        page.click("#full-form button[type=submit]")
    full_id = job_id_of(page)
    full = Job.objects.get(id=full_id)
    assert (full.kind, str(full.source_job_id), full.cost) == (Kind.FULL, preview_id, price)
    assert credits_balance(user=user) == 20 - price

    # The dashboard row of the running job turns to succeeded by itself.
    page.goto("/dashboard/")
    navigations.clear()
    assert page.get_attribute(f"tr[data-job='{full_id}']", "data-status") in ("queued", "running")
    page.wait_for_selector(
        f"tr[data-job='{full_id}'][data-status='succeeded']", timeout=FINISHED_MS
    )
    assert navigations == []
    screenshot(page, "flow-dashboard")

    # Share the full song; a visitor with the link gets the player and nothing else.
    page.goto(f"/jobs/{full_id}/")
    with page.expect_navigation():
        page.click("#share button[type=submit]")
    share_url = page.input_value("#share-url")
    visitor = browser.new_page()
    visitor.goto(share_url)
    assert visitor.locator("#player .lane").count() == 2
    visitor.click("#play")
    playing_past(visitor, 0.5)
    assert visitor.locator("text=Rate this separation").count() == 0
    screenshot(visitor, "flow-shared")
    assert visitor.goto(f"/jobs/{full_id}/").url.endswith(f"/accounts/login/?next=/jobs/{full_id}/")
    assert visitor.goto(f"/api/v1/jobs/{full_id}").status in (401, 403)

    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#share button.danger")
    assert page.locator("#share-url").count() == 0
    late = browser.new_page()
    assert late.goto(share_url).status == 404


def test_a_bad_file_shows_the_apis_reason_next_to_the_form(browser, log_in, owner):
    page = browser.new_page()
    log_in(page, owner)
    page.goto("/upload/")
    bad = {"name": "notes.mp3", "mimeType": "audio/mpeg", "buffer": b"these are my notes"}
    page.set_input_files("#file", files=[bad])
    page.click("#submit")
    page.wait_for_selector("#upload-error p")

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=owner, name='x')[1]}")
    answer = api.post(
        "/api/v1/jobs",
        {"file": SimpleUploadedFile("notes.mp3", bad["buffer"]), "kind": "preview"},
        format="multipart",
    )
    assert answer.status_code == 400
    reason = answer.json()["file"][0]
    assert reason in page.inner_text("#upload-error")
    assert Job.objects.filter(owner=owner).count() == 0


def test_another_user_cannot_open_a_job_page(browser, log_in, owner):
    job = Job.objects.create(
        owner=owner, original_name="mine.wav", duration=1, model="unet-2stems",
        status=Status.QUEUED, kind=Kind.PREVIEW,
    )  # fmt: skip
    page = browser.new_page()
    log_in(page, UserFactory(username="nosy"))
    response = page.goto(f"/jobs/{job.id}/")
    assert response.status == 404
    assert "mine.wav" not in page.content()


def test_a_full_song_shows_its_price_before_confirming(browser, log_in, settings):
    settings.STEMWORKS_CREDITS_PER_MINUTE = 3
    poor = paying_user(UserFactory(username="poor"), credits=2)
    page = browser.new_page()
    log_in(page, poor)
    page.goto("/upload/")
    page.check("input[name='kind'][value='full']")
    page.set_input_files("#file", str(example_song()))
    # The example song is under a minute: one started minute at 3 credits, more than 2.
    page.wait_for_selector("#quote:has-text('costs 3 credits')")
    assert page.is_disabled("#submit")
    assert page.get_attribute("#quote a", "href") == "/credits/"
    quote = page.inner_text("#quote")
    assert "You need 1 more credits" in quote

    credits_grant(user=poor, amount=5, reason="test credits")
    page.check("input[name='kind'][value='preview']")
    page.check("input[name='kind'][value='full']")
    page.wait_for_selector("#submit:has-text('Separate for 3 credits')")
    assert page.is_enabled("#submit")
