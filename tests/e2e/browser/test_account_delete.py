"""Deleting an account from the account page in Chromium: a second step with the password,
a refusal that says why, then the landing page, logged out, saying the account is gone."""

import pytest
from django.contrib.auth import get_user_model

from tests.e2e.browser.conftest import PASSWORD
from tests.factories import succeeded_job
from webapp.billing.models import CreditTransaction
from webapp.jobs.models import Job

pytestmark = [pytest.mark.slow]


def test_a_user_deletes_their_account_from_the_account_page(
    browser, log_in, owner, media_root, screenshot
):
    job = succeeded_job(owner)
    assert any(media_root.rglob("*.wav"))
    page = browser.new_page()
    log_in(page, owner)
    page.goto("/account/")
    assert not page.is_visible("#delete-password")  # behind the first step

    page.click("#delete-step summary")
    page.fill("#delete-password", "not my password")
    page.check("#delete-confirm")
    page.click("#delete-form button[type=submit]")
    page.wait_for_selector("#delete-form .form-error p")
    assert "This is not your current password." in page.inner_text("#delete-form .form-error")
    screenshot(page, "account-delete-refused")
    assert get_user_model().objects.filter(id=owner.id).exists()

    page.fill("#delete-password", PASSWORD)
    with page.expect_navigation():
        page.click("#delete-form button[type=submit]")
    page.wait_for_load_state()

    assert page.url.rstrip("/") == browser.server_url.rstrip("/")
    assert "Your account is deleted" in page.inner_text("main [role=status]")
    assert page.is_visible("a[href='/accounts/login/']")
    screenshot(page, "account-deleted")
    assert not get_user_model().objects.filter(id=owner.id).exists()
    assert not Job.objects.filter(id=job.id).exists()
    assert not any(path.is_file() for path in media_root.rglob("*"))
    assert CreditTransaction.objects.filter(user=None, former_user_id=owner.id).count() == 1


def test_keeping_the_account_closes_the_second_step(browser, log_in, owner):
    page = browser.new_page("phone")
    log_in(page, owner)
    page.goto("/account/")

    page.click("#delete-step summary")
    page.fill("#delete-password", "half typed")
    page.click("#delete-form [data-cancel]")

    assert not page.is_visible("#delete-password")
    assert page.input_value("#delete-password") == ""
    assert get_user_model().objects.filter(id=owner.id).exists()
