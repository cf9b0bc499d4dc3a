"""DELETE /api/v1/account: a user's files and personal data go; money records stay, detached."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from tests.factories import (
    JobFactory,
    JobFeedbackFactory,
    PaymentFactory,
    RunningJobFactory,
    charged_job,
    succeeded_job,
)
from tests.stripe_fakes import WEBHOOK_SECRET, sign
from webapp.accounts.models import ApiToken, EmailVerification
from webapp.accounts.services import api_token_create
from webapp.billing.models import CreditTransaction, Payment
from webapp.billing.selectors import credits_balance
from webapp.feedback.models import JobFeedback
from webapp.jobs.models import Job, Stem, StemFile
from webapp.sharing.models import ShareLink
from webapp.sharing.services import share_link_create

URL = "/api/v1/account"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.fixture
def owners_things(owner):
    """The owner's finished jobs (one rated and shared, one charged) and a payment."""
    job = succeeded_job(owner, with_peaks=True)
    JobFeedbackFactory(job=job, user=owner, thumbs={"vocals": True})
    share_link_create(job=job)
    charged = charged_job(owner, cost=3, original_name="my-secret-demo.wav", status="succeeded")
    payment = PaymentFactory(user=owner, stripe_payment_intent_id="pi_owner")
    return {"jobs": [job, charged], "payment": payment}


def delete(client, django_capture_on_commit_callbacks, **data):
    # The files go once the deletion commits.
    with django_capture_on_commit_callbacks(execute=True):
        return client.delete(URL, data, format="json")


def stored_files(media_root) -> list[str]:
    return sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())


def test_it_deletes_the_user_their_jobs_and_their_files(
    owner, owner_api, owners_things, media_root, django_capture_on_commit_callbacks
):
    assert stored_files(media_root)

    response = delete(owner_api, django_capture_on_commit_callbacks, password=PASSWORD)

    assert response.status_code == 204
    assert not get_user_model().objects.filter(username="owner").exists()
    assert not Job.objects.exists() and not Stem.objects.exists()
    assert not StemFile.objects.exists()
    assert not JobFeedback.objects.exists() and not ShareLink.objects.exists()
    assert not ApiToken.objects.exists() and not EmailVerification.objects.exists()
    assert stored_files(media_root) == []


def test_the_ledger_and_payments_stay_without_the_user(
    owner, owner_api, owners_things, django_capture_on_commit_callbacks
):
    before = list(CreditTransaction.objects.order_by("id").values_list("kind", "amount"))
    owner_id = owner.id

    delete(owner_api, django_capture_on_commit_callbacks, password=PASSWORD)

    rows = CreditTransaction.objects.order_by("id")
    assert [(row.kind, row.amount) for row in rows] == before == [("grant", 100), ("charge", -3)]
    assert {(row.user_id, row.former_user_id) for row in rows} == {(None, owner_id)}
    payment = Payment.objects.get()
    assert (payment.user_id, payment.former_user_id, payment.amount) == (None, owner_id, 500)


def test_the_song_name_leaves_the_ledger(
    owner, owner_api, owners_things, django_capture_on_commit_callbacks
):
    delete(owner_api, django_capture_on_commit_callbacks, password=PASSWORD)

    charge = CreditTransaction.objects.get(kind="charge")
    assert charge.reason == "Separation (account deleted)"
    assert not CreditTransaction.objects.filter(reason__contains="my-secret-demo").exists()


def test_other_users_keep_everything(
    owner, owner_api, other_user, owners_things, media_root, django_capture_on_commit_callbacks
):
    theirs = succeeded_job(other_user)
    files = [name for name in stored_files(media_root) if str(theirs.id) in name]
    api_token_create(user=other_user, name="theirs")

    delete(owner_api, django_capture_on_commit_callbacks, password=PASSWORD)

    assert list(Job.objects.all()) == [theirs]
    assert Stem.objects.filter(job=theirs).count() == 2
    assert stored_files(media_root) == files
    assert ApiToken.objects.filter(user=other_user).count() == 1


def test_a_running_job_is_cancelled_and_refunded_before_it_goes(
    owner, owner_api, django_capture_on_commit_callbacks
):
    running = charged_job(owner, cost=4, factory=RunningJobFactory)

    delete(owner_api, django_capture_on_commit_callbacks, password=PASSWORD)

    assert not Job.objects.filter(id=running.id).exists()
    refund = CreditTransaction.objects.get(kind="refund")
    assert (refund.amount, refund.balance_after, refund.user) == (4, 100, None)


def test_an_upload_shared_by_two_jobs_goes_with_both(
    owner, owner_api, media_root, django_capture_on_commit_callbacks
):
    preview = JobFactory(owner=owner, kind="preview", status="succeeded")
    JobFactory(owner=owner, source_job=preview, input_file=preview.input_file.name)

    delete(owner_api, django_capture_on_commit_callbacks, password=PASSWORD)

    assert stored_files(media_root) == []


def test_a_wrong_password_deletes_nothing(
    owner, owner_api, owners_things, media_root, django_capture_on_commit_callbacks
):
    files = stored_files(media_root)

    response = delete(owner_api, django_capture_on_commit_callbacks, password="guess")

    assert response.status_code == 400
    assert response.json() == {"password": ["This is not your current password."]}
    assert Job.objects.filter(owner=owner).count() == 2
    assert stored_files(media_root) == files


def test_a_token_alone_is_not_enough(owner, owner_api):
    response = owner_api.delete(URL, {}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()
    assert get_user_model().objects.filter(id=owner.id).exists()


def test_anonymous_visitors_get_401(anonymous_api, owner):
    assert anonymous_api.delete(URL, {"password": PASSWORD}, format="json").status_code == 401


def test_a_browser_is_logged_out_everywhere_and_told_on_the_landing_page(
    owner, django_capture_on_commit_callbacks
):
    browser, laptop = Client(), Client()
    browser.force_login(owner)
    laptop.force_login(owner)
    assert Session.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.delete(URL, json.dumps({"password": PASSWORD}), "application/json")

    assert response.status_code == 204
    assert Session.objects.count() == 0
    assert laptop.get("/api/v1/auth/me").status_code in (401, 403)
    landing = browser.get("/")
    assert landing.status_code == 200
    assert "Your account is deleted" in landing.content.decode()


def test_staff_still_see_a_deleted_users_money_in_the_admin(
    owner, owner_api, staff, owners_things, django_capture_on_commit_callbacks
):
    owner_id = owner.id
    delete(owner_api, django_capture_on_commit_callbacks, password=PASSWORD)
    client = Client()
    client.force_login(staff)
    row = CreditTransaction.objects.filter(former_user_id=owner_id).first()

    for url in [
        "/admin/billing/credittransaction/",
        "/admin/billing/payment/",
        f"/admin/billing/credittransaction/{row.id}/change/",
        f"/admin/billing/payment/{Payment.objects.get().id}/change/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert f"deleted account #{owner_id}" in client.get("/admin/billing/payment/").content.decode()


def test_a_refund_for_a_deleted_account_changes_only_the_payment(
    owner, owner_api, owners_things, settings, django_capture_on_commit_callbacks
):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    delete(owner_api, django_capture_on_commit_callbacks, password=PASSWORD)
    charge = {"id": "ch_1", "object": "charge", "amount": 500, "amount_refunded": 500,
              "refunded": True, "payment_intent": "pi_owner", "metadata": {}}  # fmt: skip
    body = json.dumps(
        {"id": "evt_r", "object": "event", "type": "charge.refunded", "data": {"object": charge}}
    ).encode()

    response = Client().post(
        "/api/v1/stripe/webhook", body, content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(body),
    )  # fmt: skip

    assert response.status_code == 200
    assert Payment.objects.get().status == "refunded"
    assert not CreditTransaction.objects.filter(kind="clawback").exists()


def test_the_balance_of_a_new_account_starts_at_zero(
    owner, owner_api, owners_things, django_capture_on_commit_callbacks
):
    delete(owner_api, django_capture_on_commit_callbacks, password=PASSWORD)
    newcomer = get_user_model().objects.create_user(username="owner", password=PASSWORD)

    assert credits_balance(user=newcomer) == 0


def test_staff_deleting_a_user_in_the_admin_removes_the_files_and_keeps_the_money(
    owner, staff, owners_things, media_root, django_capture_on_commit_callbacks
):
    owner_id = owner.id
    client = Client()
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/auth/user/{owner_id}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not get_user_model().objects.filter(id=owner_id).exists()
    assert stored_files(media_root) == []
    assert CreditTransaction.objects.filter(user=None, former_user_id=owner_id).count() == 2
    assert Payment.objects.get().former_user_id == owner_id


def test_guessing_the_password_is_throttled(owner, owner_api, settings):
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "2/minute"

    answers = [owner_api.delete(URL, {"password": f"guess {n}"}, format="json") for n in range(3)]

    assert [a.status_code for a in answers] == [400, 400, 429]
    assert "Retry-After" in answers[-1].headers
