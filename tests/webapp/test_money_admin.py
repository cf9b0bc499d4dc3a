"""Staff read credits, payments and Stripe events in the admin; nobody can edit money there."""

import pytest
from django.test import Client

from tests.factories import charged_job
from webapp.billing.models import CreditTransaction, Payment, StripeEvent

PAGES = [
    "/admin/billing/credittransaction/",
    "/admin/billing/payment/",
    "/admin/billing/stripeevent/",
    "/admin/billing/credittransaction/?kind__exact=charge&q=owner",
    "/admin/billing/payment/?status__exact=paid",
]


@pytest.fixture
def payment(owner):
    payment = Payment.objects.create(
        user=owner, pack="starter", credits=10, amount=500, currency="usd", status="paid",
        stripe_session_id="cs_admin",
    )  # fmt: skip
    StripeEvent.objects.create(
        event_id="evt_admin", type="checkout.session.completed", payment=payment
    )
    return payment


def staff_client(staff) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_staff_see_the_money_pages(staff, owner, payment, url):
    charged_job(owner, cost=3)

    response = staff_client(staff).get(url)

    assert response.status_code == 200


@pytest.mark.parametrize("url", PAGES)
def test_a_user_who_is_not_staff_is_sent_to_the_login_page(owner, url):
    client = Client()
    client.force_login(owner)

    response = client.get(url)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_payment_page_shows_its_money_fields_read_only(staff, payment):
    response = staff_client(staff).get(f"/admin/billing/payment/{payment.id}/change/")

    assert response.status_code == 200
    assert b"evt_admin" in response.content
    assert b'name="amount"' not in response.content
    assert b'name="credits"' not in response.content


def test_staff_cannot_change_a_payment_or_a_ledger_row(staff, owner, payment):
    row = CreditTransaction.objects.filter(user=owner).first()
    client = staff_client(staff)

    changed = client.post(f"/admin/billing/payment/{payment.id}/change/", {"amount": 1})
    added = client.get("/admin/billing/credittransaction/add/")
    deleted = client.post(f"/admin/billing/credittransaction/{row.id}/delete/", {"post": "yes"})

    assert (changed.status_code, added.status_code, deleted.status_code) == (403, 403, 403)
    assert Payment.objects.get(id=payment.id).amount == 500
    assert CreditTransaction.objects.filter(id=row.id).exists()
