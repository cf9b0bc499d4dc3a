"""POST /api/v1/stripe/webhook: signed Stripe events grant credits exactly once."""

import threading
import time

import pytest
import yaml
from django.db import connection
from django.test import Client

from tests.factories import UserFactory
from tests.stripe_fakes import WEBHOOK_SECRET, session_event, sign
from webapp.billing.models import CreditTransaction, Payment, StripeEvent
from webapp.billing.selectors import credits_balance

URL = "/api/v1/stripe/webhook"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def payment(other_user):
    return Payment.objects.create(
        user=other_user,
        pack="starter",
        credits=10,
        amount=500,
        currency="usd",
        status="open",
        stripe_session_id="cs_test_abc",
    )


def deliver(payload: bytes, signature: str | None = None):
    signature = sign(payload) if signature is None else signature
    return Client().post(
        URL, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def test_a_paid_checkout_grants_the_pack_credits(payment, other_user):
    response = deliver(session_event(payment))

    assert response.status_code == 200
    assert response.json() == {"status": "handled"}
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.paid_at is not None
    assert credits_balance(user=other_user) == 10
    purchase = CreditTransaction.objects.get(kind="purchase")
    assert (purchase.payment, purchase.amount) == (payment, 10)


def test_the_same_event_delivered_twice_grants_once(payment, other_user):
    body = session_event(payment)

    deliver(body)
    second = deliver(body)

    assert second.status_code == 200
    assert second.json() == {"status": "duplicate"}
    assert credits_balance(user=other_user) == 10
    assert StripeEvent.objects.count() == 1


def test_two_different_events_for_one_session_grant_once(payment, other_user):
    deliver(session_event(payment, event_id="evt_1"))
    deliver(
        session_event(payment, event_id="evt_2", type="checkout.session.async_payment_succeeded")
    )

    assert credits_balance(user=other_user) == 10


def test_an_expiry_arriving_after_the_payment_does_not_undo_it(payment, other_user):
    deliver(session_event(payment, event_id="evt_1"))
    deliver(session_event(payment, event_id="evt_2", type="checkout.session.expired"))

    payment.refresh_from_db()
    assert payment.status == "paid"
    assert credits_balance(user=other_user) == 10


def test_a_completed_but_unpaid_session_grants_nothing_until_the_money_arrives(payment, other_user):
    deliver(session_event(payment, event_id="evt_1", payment_status="unpaid"))
    assert credits_balance(user=other_user) == 0
    assert Payment.objects.get(id=payment.id).status == "open"

    deliver(
        session_event(payment, event_id="evt_2", type="checkout.session.async_payment_succeeded")
    )

    assert credits_balance(user=other_user) == 10


def test_an_expired_session_is_recorded_without_credits(payment, other_user):
    deliver(session_event(payment, type="checkout.session.expired", payment_status="unpaid"))

    assert Payment.objects.get(id=payment.id).status == "expired"
    assert credits_balance(user=other_user) == 0


def test_a_session_with_another_amount_grants_nothing(payment, other_user):
    deliver(session_event(payment, amount_total=1))

    payment.refresh_from_db()
    assert payment.status == "failed"
    assert "expected 500 usd" in payment.error
    assert credits_balance(user=other_user) == 0


def test_a_paid_session_without_an_amount_grants_nothing(payment, other_user):
    deliver(session_event(payment, amount_total=None))

    payment.refresh_from_db()
    assert payment.status == "failed"
    assert credits_balance(user=other_user) == 0


def test_a_session_without_an_id_matches_no_payment(payment, other_user):
    Payment.objects.filter(id=payment.id).update(stripe_session_id=None)
    payment.stripe_session_id = None

    response = deliver(session_event(payment, metadata={}))

    assert response.json() == {"status": "ignored"}
    assert Payment.objects.get(id=payment.id).status == "open"
    assert credits_balance(user=other_user) == 0


def test_a_payment_is_found_by_its_metadata_when_the_session_id_was_not_stored(payment, other_user):
    Payment.objects.filter(id=payment.id).update(stripe_session_id=None)
    payment.stripe_session_id = "cs_late"

    deliver(session_event(payment))

    payment.refresh_from_db()
    assert (payment.status, payment.stripe_session_id) == ("paid", "cs_late")
    assert credits_balance(user=other_user) == 10


def test_other_event_types_are_acknowledged_and_ignored(db):
    body = b'{"id": "evt_x", "object": "event", "type": "customer.created", "data": {"object": {}}}'

    response = deliver(body)

    assert response.json() == {"status": "ignored"}


def test_it_refuses_a_bad_signature(payment, other_user):
    body = session_event(payment)

    response = deliver(body, sign(body, secret="whsec_someone_else"))

    assert response.status_code == 400
    assert "signature" in response.json()["detail"].lower()
    assert credits_balance(user=other_user) == 0
    assert not StripeEvent.objects.exists()


def test_it_refuses_a_request_without_a_signature(payment):
    assert deliver(session_event(payment), "").status_code == 400


def test_it_refuses_a_stale_signature(payment, other_user):
    body = session_event(payment)

    response = deliver(body, sign(body, timestamp=int(time.time()) - 3600))

    assert response.status_code == 400
    assert credits_balance(user=other_user) == 0


def test_it_refuses_a_replayed_signature_on_another_payload(payment, other_user):
    genuine = session_event(payment, type="checkout.session.expired", payment_status="unpaid")
    forged = session_event(payment, event_id="evt_forged")

    response = deliver(forged, sign(genuine))

    assert response.status_code == 400
    assert credits_balance(user=other_user) == 0


def test_it_refuses_everything_when_no_secret_is_configured(payment, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""

    assert deliver(session_event(payment)).status_code == 400


def test_it_answers_405_to_a_get(db):
    assert Client().get(URL).status_code == 405


def test_the_webhook_is_in_the_api_schema_without_credentials(db):
    schema = yaml.safe_load(Client().get("/api/schema/").content)

    webhook = schema["paths"][URL]["post"]
    assert "Stripe-Signature" in {p["name"] for p in webhook["parameters"]}
    assert set(webhook["responses"]) == {"200", "400"}
    assert webhook.get("security") in (None, [], [{}])


@pytest.mark.django_db(transaction=True)
def test_the_same_event_delivered_in_parallel_grants_once():
    assert connection.vendor == "postgresql", "run with PostgreSQL"
    user = UserFactory(username="buyer")
    payment = Payment.objects.create(
        user=user, pack="starter", credits=10, amount=500, currency="usd",
        status="open", stripe_session_id="cs_parallel",
    )  # fmt: skip
    body = session_event(payment)
    start = threading.Barrier(6)
    statuses: list[int] = []

    def post() -> None:
        try:
            start.wait()
            statuses.append(deliver(body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 6
    assert credits_balance(user=user) == 10
