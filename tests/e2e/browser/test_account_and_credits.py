"""Credits and account pages in Chromium: buying a pack through Checkout (Stripe stood in for),
the page catching the confirmation, API tokens shown once, password change, job deletion."""

import pytest
from rest_framework.test import APIClient

from tests.factories import succeeded_job
from tests.stripe_fakes import WEBHOOK_SECRET, session_event, sign
from webapp.accounts.models import ApiToken
from webapp.billing import stripe_client
from webapp.billing.models import Payment
from webapp.billing.selectors import credits_balance
from webapp.jobs.models import Job


@pytest.fixture
def checkout_comes_straight_back(monkeypatch, settings):
    """Stripe's hosted page, skipped: the session's URL is our own success page."""
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    made = []

    def create(**kwargs):
        made.append(kwargs)
        return stripe_client.CheckoutSession(id=f"cs_test_{len(made)}", url=kwargs["success_url"])

    monkeypatch.setattr(stripe_client, "checkout_session_create", create)
    return made


def test_buying_a_pack_lands_on_a_page_that_waits_for_the_payment(
    browser, log_in, owner, checkout_comes_straight_back, settings
):
    settings.STEMWORKS_CREDIT_PACKS = {"starter": {"credits": 10, "price": 500}}
    page = browser.new_page()
    log_in(page, owner)
    page.goto("/credits/")
    with page.expect_navigation():
        page.click("button[aria-label='Buy 10 credits for 5.00 USD']")
    assert "checkout=success" in page.url
    assert "They arrive as soon as Stripe confirms it" in page.inner_text("#checkout-notice")

    payment = Payment.objects.get(user=owner)
    event = session_event(payment)
    answer = APIClient().post(
        "/api/v1/stripe/webhook", event, content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(event),
    )  # fmt: skip
    assert answer.status_code == 200
    page.wait_for_selector("#checkout-notice:has-text('Payment confirmed')", timeout=10000)
    assert page.inner_text("#balance") == str(credits_balance(user=owner)) == "110"


def test_a_checkout_that_cannot_start_says_why(browser, log_in, owner, settings):
    settings.STRIPE_SECRET_KEY = ""
    page = browser.new_page()
    log_in(page, owner)
    page.goto("/credits/")
    page.locator("form.buy button").first.click()
    page.wait_for_selector("form.buy .form-error p")
    assert "Payments are not configured on this server." in page.inner_text("form.buy")


def test_a_new_api_token_is_shown_once_works_and_can_be_revoked(browser, log_in, owner):
    page = browser.new_page()
    log_in(page, owner)
    page.goto("/account/")
    page.fill("#token-name", "laptop script")
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#new-token-key:not(:empty)")
    key = page.inner_text("#new-token-key")
    assert key in page.inner_text("#api-example")

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/auth/me").json()["username"] == "owner"

    page.reload()
    assert key not in page.content()  # shown once
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button[aria-label='Revoke laptop script']")
    assert ApiToken.objects.get(name="laptop script").revoked_at is not None
    assert api.get("/api/v1/auth/me").status_code == 401


def test_a_wrong_current_password_is_refused_and_the_right_one_changes_it(browser, log_in, owner):
    page = browser.new_page()
    log_in(page, owner)
    page.goto("/account/")
    page.fill("#old_password", "not my password")
    page.fill("#new_password", "a brand new long password")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#password-form .form-error p")

    page.fill("#old_password", "correct horse battery staple")
    page.fill("#new_password", "a brand new long password")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#password-form [data-done]:has-text('changed')")
    owner.refresh_from_db()
    assert owner.check_password("a brand new long password")
    assert page.goto("/dashboard/").url.endswith("/dashboard/")  # still logged in


def test_deleting_a_job_from_its_page_removes_it(browser, log_in, owner):
    job = succeeded_job(owner, formats=("wav", "listen"))
    page = browser.new_page()
    log_in(page, owner)
    page.goto(f"/jobs/{job.id}/")
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button:has-text('Delete job')")
    assert page.url.endswith("/dashboard/")
    assert not Job.objects.filter(id=job.id).exists()
