"""Apply verified Stripe events once: Checkout Sessions add credits, refunds and disputes
take them back (see `reversals`)."""

import logging

from django.db import transaction
from django.utils import timezone

from webapp.billing import reversals
from webapp.billing.models import SETTLED, Payment, PaymentStatus, StripeEvent
from webapp.billing.services import credits_purchase

log = logging.getLogger(__name__)

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}
CHARGE_EVENTS = {"charge.refunded", "charge.dispute.created", "charge.dispute.closed"}


@transaction.atomic
def stripe_event_handle(*, event: dict) -> str:
    """Apply a verified Stripe event once; return "handled", "duplicate" or "ignored"."""
    # A second delivery of one event waits here on the unique id, then finds it stored.
    record, created = StripeEvent.objects.get_or_create(
        event_id=event["id"], defaults={"type": event["type"]}
    )
    if not created:
        return "duplicate"
    obj = event["data"]["object"]
    if event["type"] in SESSION_EVENTS:
        payment = _payment_of_session(obj)
    elif event["type"] in CHARGE_EVENTS:
        payment = _payment_of_charge(obj)
    else:
        return "ignored"
    if payment is None:
        log.warning("stripe event %s: no payment for %s %s", event["id"], obj.get("object"),
                    obj.get("id"))  # fmt: skip
        return "ignored"
    record.payment = payment
    record.save(update_fields=["payment"])
    if event["type"] in SESSION_EVENTS:
        _apply_session_event(payment=payment, event_type=event["type"], session=obj)
        return "handled"
    if event["type"] == "charge.refunded":
        applied = reversals.payment_refund_record(payment=payment, charge=obj)
    elif event["type"] == "charge.dispute.created":
        applied = reversals.payment_dispute_open(payment=payment, dispute=obj)
    else:
        applied = reversals.payment_dispute_close(payment=payment, dispute=obj)
    return "handled" if applied else "ignored"


def stripe_id(value: object) -> str:
    """Return the id of a Stripe reference, whether sent as an id or an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _payment_of_session(session: dict) -> Payment | None:
    if not session.get("id"):
        return None  # filter(stripe_session_id=None) would match any unstarted payment
    payments = Payment.objects.select_for_update()
    payment = payments.filter(stripe_session_id=session.get("id")).first()
    if payment is None:
        # The session id may not be stored yet if our request to create it timed out.
        payment_id = (session.get("metadata") or {}).get("payment_id", "")
        if payment_id.isdigit():
            payment = payments.filter(id=int(payment_id), stripe_session_id__isnull=True).first()
            if payment is not None:
                payment.stripe_session_id = session.get("id")
    return payment


def _payment_of_charge(obj: dict) -> Payment | None:
    """Return the payment a Charge or Dispute is about, by its payment intent."""
    intent = stripe_id(obj.get("payment_intent"))
    if not intent:
        return None
    payments = Payment.objects.select_for_update()
    payment = payments.filter(stripe_payment_intent_id=intent).first()
    if payment is None:
        # A refund may arrive before the session event that names the intent: the
        # charge carries our payment id, copied from the intent's metadata.
        payment_id = (obj.get("metadata") or {}).get("payment_id", "")
        if payment_id.isdigit():
            payment = payments.filter(
                id=int(payment_id), stripe_payment_intent_id__isnull=True
            ).first()
            if payment is not None:
                payment.stripe_payment_intent_id = intent
                payment.save(update_fields=["stripe_payment_intent_id", "updated_at"])
    return payment


def _apply_session_event(*, payment: Payment, event_type: str, session: dict) -> None:
    intent = stripe_id(session.get("payment_intent"))
    if intent and not payment.stripe_payment_intent_id:
        payment.stripe_payment_intent_id = intent
    # Events may come in any order: once paid (or refunded, or disputed), it stays so.
    if payment.status in SETTLED:
        payment.save()
        return
    paid = event_type == "checkout.session.async_payment_succeeded" or (
        event_type == "checkout.session.completed"
        and session.get("payment_status") in ("paid", "no_payment_required")
    )
    if paid:
        if (
            session.get("amount_total") != payment.amount
            or (session.get("currency") or payment.currency).lower() != payment.currency
        ):
            payment.status = PaymentStatus.FAILED
            payment.error = (
                f"Stripe reported {session.get('amount_total')} {session.get('currency')}, "
                f"expected {payment.amount} {payment.currency}: no credits granted."
            )
            log.error("payment %s: %s", payment.id, payment.error)
        else:
            payment.status = PaymentStatus.PAID
            payment.paid_at = timezone.now()
    elif event_type == "checkout.session.expired":
        payment.status = PaymentStatus.EXPIRED
    elif event_type == "checkout.session.async_payment_failed":
        payment.status = PaymentStatus.FAILED
    else:
        payment.status = PaymentStatus.OPEN  # completed, but the money is still on its way
    payment.save()
    if payment.status == PaymentStatus.PAID:
        credits_purchase(payment=payment)
        reversals.refund_settle(payment=payment)  # a refund that arrived first
