"""Stripe refunds and disputes take a payment's credits back by ledger entries, once.

Policy under test (docs/api.md): a refund takes back the credits its share of the price
covers, rounded up, even if they are spent (the balance goes below zero and blocks paid
jobs until the user buys more; free previews go on); a dispute takes back the rest; a
dispute closed as won gives that back once.
"""

import json
import time

import pytest
from django.test import Client

from tests.factories import UserFactory, charged_job, paying_user, wav_upload
from tests.stripe_fakes import WEBHOOK_SECRET, session_event, sign
from webapp.billing.models import CreditTransaction, Payment, StripeEvent
from webapp.billing.selectors import credits_balance
from webapp.billing.services import credits_refund

URL = "/api/v1/stripe/webhook"
INTENT = "pi_test_1"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def buyer(db):
    return paying_user(UserFactory(username="buyer"))


@pytest.fixture
def payment(buyer):
    """A starter pack (10 credits for 5.00 USD), paid: its credits are on the balance."""
    payment = Payment.objects.create(
        user=buyer, pack="starter", credits=10, amount=500, currency="usd",
        status="open", stripe_session_id="cs_test_refunds",
    )  # fmt: skip
    assert deliver(session_event(payment, event_id="evt_paid", payment_intent=INTENT)).ok
    return Payment.objects.get(id=payment.id)


def deliver(payload: bytes, signature: str | None = None):
    signature = sign(payload) if signature is None else signature
    response = Client().post(
        URL, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    response.ok = response.status_code == 200
    return response


def event(type: str, obj: dict, event_id: str) -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": type, "data": {"object": obj}})


def refund_event(refunded: int, *, event_id: str, intent: str = INTENT, **charge) -> bytes:
    """A `charge.refunded` event: `refunded` is the charge's total refunded so far."""
    obj = {
        "id": "ch_test_1", "object": "charge", "amount": 500, "currency": "usd",
        "amount_refunded": refunded, "refunded": refunded >= 500, "payment_intent": intent,
        "metadata": {}, **charge,
    }  # fmt: skip
    return event("charge.refunded", obj, event_id).encode()


def dispute_event(type: str, *, event_id: str, status: str = "needs_response") -> bytes:
    obj = {
        "id": "dp_test_1", "object": "dispute", "charge": "ch_test_1", "amount": 500,
        "currency": "usd", "payment_intent": INTENT, "status": status, "reason": "fraudulent",
    }  # fmt: skip
    return event(type, obj, event_id).encode()


def clawbacks() -> list[tuple[int, int, str]]:
    rows = CreditTransaction.objects.filter(kind__in=["clawback", "reinstate"]).order_by("id")
    return [(row.amount, row.balance_after, row.reference) for row in rows]


def test_the_session_event_stores_the_payment_intent(payment, buyer):
    assert payment.stripe_payment_intent_id == INTENT
    assert credits_balance(user=buyer) == 10


def test_a_full_refund_takes_back_all_the_credits(payment, buyer):
    response = deliver(refund_event(500, event_id="evt_r1"))

    assert response.json() == {"status": "handled"}
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("refunded", 500)
    row = CreditTransaction.objects.get(kind="clawback")
    assert (row.user, row.payment, row.amount, row.balance_after) == (buyer, payment, -10, 0)
    assert row.reason == "Taken back: the starter pack was refunded"
    assert StripeEvent.objects.get(event_id="evt_r1").payment == payment


def test_a_partial_refund_takes_back_the_share_it_covers(payment, buyer):
    deliver(refund_event(250, event_id="evt_r1"))

    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("paid", 250)
    assert credits_balance(user=buyer) == 5
    assert CreditTransaction.objects.get(kind="clawback").reason == (
        "Taken back: part of the starter pack was refunded"
    )


def test_a_second_refund_of_the_same_charge_takes_only_the_difference(payment, buyer):
    deliver(refund_event(200, event_id="evt_r1"))
    deliver(refund_event(500, event_id="evt_r2"))

    assert [amount for amount, _, _ in clawbacks()] == [-4, -6]
    assert credits_balance(user=buyer) == 0
    assert Payment.objects.get(id=payment.id).status == "refunded"


def test_a_partial_refund_rounds_up_to_whole_credits(payment, buyer):
    deliver(refund_event(1, event_id="evt_r1"))

    assert credits_balance(user=buyer) == 9


def test_a_replayed_refund_event_takes_nothing_more(payment, buyer):
    body = refund_event(250, event_id="evt_r1")
    deliver(body)

    again = deliver(body)

    assert again.json() == {"status": "duplicate"}
    assert credits_balance(user=buyer) == 5


def test_another_event_about_the_same_refund_takes_nothing_more(payment, buyer):
    deliver(refund_event(250, event_id="evt_r1"))

    again = deliver(refund_event(250, event_id="evt_r1_resent"))

    assert again.json() == {"status": "ignored"}
    assert len(clawbacks()) == 1


def test_an_older_refund_event_arriving_late_takes_nothing(payment, buyer):
    deliver(refund_event(500, event_id="evt_r2"))
    deliver(refund_event(200, event_id="evt_r1"))

    assert clawbacks() == [(-10, 0, f"refund:{payment.id}:500")]
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("refunded", 500)


def test_a_refund_of_spent_credits_leaves_a_negative_balance(payment, buyer):
    charged_job(buyer, cost=8)

    deliver(refund_event(500, event_id="evt_r1"))

    assert credits_balance(user=buyer) == -8
    assert clawbacks() == [(-10, -8, f"refund:{payment.id}:500")]


def test_the_credits_api_and_page_show_the_negative_balance(payment, buyer):
    charged_job(buyer, cost=8)
    deliver(refund_event(500, event_id="evt_r1"))
    client = Client()
    client.force_login(buyer)

    assert client.get("/api/v1/credits").json()["balance"] == -8
    ledger = client.get("/api/v1/credits/transactions").json()["results"]
    assert (ledger[0]["kind"], ledger[0]["amount"], ledger[0]["balance_after"]) == (
        "clawback", -10, -8,
    )  # fmt: skip
    page = client.get("/credits/").content.decode()
    assert 'id="balance">-8<' in page
    assert "Taken back: the starter pack was refunded" in page
    assert "Your balance is below zero" in page
    payments = client.get("/api/v1/payments").json()["results"]
    assert (payments[0]["status"], payments[0]["amount_refunded"]) == ("refunded", 500)


def test_a_balance_of_zero_or_more_shows_no_warning(payment, buyer):
    client = Client()
    client.force_login(buyer)

    assert "below zero" not in client.get("/credits/").content.decode()


def test_a_negative_balance_blocks_full_jobs_but_not_previews(payment, buyer, monkeypatch):
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)
    charged_job(buyer, cost=8)
    deliver(refund_event(500, event_id="evt_r1"))
    client = Client()
    client.force_login(buyer)

    full = client.post("/api/v1/jobs", {"file": wav_upload(), "kind": "full"})
    preview = client.post("/api/v1/jobs", {"file": wav_upload(), "kind": "preview"})

    assert full.status_code == 402
    assert full.json()["balance"] == -8 and full.json()["missing"] == 9
    assert preview.status_code == 201
    assert credits_balance(user=buyer) == -8


def test_credits_coming_in_still_count_against_a_negative_balance(payment, buyer):
    job = charged_job(buyer, cost=8)
    deliver(refund_event(500, event_id="evt_r1"))

    credits_refund(job_id=job.id, reason="Refund: the job failed.")
    second = Payment.objects.create(
        user=buyer, pack="starter", credits=10, amount=500, currency="usd",
        status="open", stripe_session_id="cs_second",
    )  # fmt: skip
    deliver(session_event(second, event_id="evt_paid_2", payment_intent="pi_second"))

    assert credits_balance(user=buyer) == 10
    assert [row.balance_after for row in CreditTransaction.objects.order_by("id")] == [
        10, 2, -8, 0, 10,
    ]  # fmt: skip


def test_a_dispute_takes_back_what_is_left_of_the_payment(payment, buyer):
    deliver(refund_event(200, event_id="evt_r1"))

    response = deliver(dispute_event("charge.dispute.created", event_id="evt_d1"))

    assert response.json() == {"status": "handled"}
    assert Payment.objects.get(id=payment.id).status == "disputed"
    assert clawbacks()[-1] == (-6, 0, "dispute:dp_test_1")
    assert credits_balance(user=buyer) == 0


def test_a_dispute_closed_as_won_gives_the_credits_back_once(payment, buyer):
    charged_job(buyer, cost=3)
    deliver(dispute_event("charge.dispute.created", event_id="evt_d1"))
    assert credits_balance(user=buyer) == -3

    deliver(dispute_event("charge.dispute.closed", event_id="evt_d2", status="won"))
    deliver(dispute_event("charge.dispute.closed", event_id="evt_d3", status="won"))

    assert credits_balance(user=buyer) == 7
    assert clawbacks() == [(-10, -3, "dispute:dp_test_1"), (10, 7, "dispute:dp_test_1")]
    assert Payment.objects.get(id=payment.id).status == "paid"


def test_a_dispute_closed_as_lost_keeps_the_credits_taken(payment, buyer):
    deliver(dispute_event("charge.dispute.created", event_id="evt_d1"))

    response = deliver(dispute_event("charge.dispute.closed", event_id="evt_d2", status="lost"))

    assert response.json() == {"status": "ignored"}
    assert credits_balance(user=buyer) == 0
    assert Payment.objects.get(id=payment.id).status == "disputed"


def test_a_late_session_event_does_not_undo_a_refund(payment, buyer):
    deliver(refund_event(500, event_id="evt_r1"))

    deliver(session_event(payment, event_id="evt_paid_again", payment_intent=INTENT))

    assert Payment.objects.get(id=payment.id).status == "refunded"
    assert credits_balance(user=buyer) == 0


def test_a_full_refund_before_the_payment_is_confirmed_grants_nothing(buyer):
    payment = Payment.objects.create(
        user=buyer, pack="starter", credits=10, amount=500, currency="usd",
        status="open", stripe_session_id="cs_early",
    )  # fmt: skip
    metadata = {"payment_id": str(payment.id)}

    deliver(refund_event(500, event_id="evt_r1", intent="pi_early", metadata=metadata))
    deliver(session_event(payment, event_id="evt_paid", payment_intent="pi_early"))

    payment.refresh_from_db()
    assert (payment.status, payment.stripe_payment_intent_id) == ("refunded", "pi_early")
    assert credits_balance(user=buyer) == 0
    assert not CreditTransaction.objects.filter(user=buyer).exists()


def test_a_partial_refund_before_the_payment_is_confirmed_is_taken_after_it(buyer):
    payment = Payment.objects.create(
        user=buyer, pack="starter", credits=10, amount=500, currency="usd",
        status="open", stripe_session_id="cs_early",
    )  # fmt: skip
    metadata = {"payment_id": str(payment.id)}

    deliver(refund_event(250, event_id="evt_r1", intent="pi_early", metadata=metadata))
    deliver(session_event(payment, event_id="evt_paid", payment_intent="pi_early"))

    assert credits_balance(user=buyer) == 5
    assert [row.kind for row in CreditTransaction.objects.order_by("id")] == [
        "purchase", "clawback",
    ]  # fmt: skip


def test_a_refund_of_an_unknown_payment_is_acknowledged_and_changes_nothing(payment, buyer):
    response = deliver(refund_event(500, event_id="evt_r1", intent="pi_someone_else"))

    assert response.json() == {"status": "ignored"}
    assert credits_balance(user=buyer) == 10


def test_a_refund_with_a_bad_signature_is_refused(payment, buyer):
    body = refund_event(500, event_id="evt_r1")

    response = deliver(body, sign(body, secret="whsec_someone_else"))

    assert response.status_code == 400
    assert credits_balance(user=buyer) == 10
    assert not StripeEvent.objects.filter(event_id="evt_r1").exists()


def test_a_refund_with_a_stale_signature_is_refused(payment, buyer):
    body = refund_event(500, event_id="evt_r1")

    response = deliver(body, sign(body, timestamp=int(time.time()) - 3600))

    assert response.status_code == 400
    assert credits_balance(user=buyer) == 10


def test_a_signature_replayed_onto_a_forged_dispute_is_refused(payment, buyer):
    genuine = refund_event(1, event_id="evt_r1")
    forged = dispute_event("charge.dispute.created", event_id="evt_forged")

    response = deliver(forged, sign(genuine))

    assert response.status_code == 400
    assert credits_balance(user=buyer) == 10
