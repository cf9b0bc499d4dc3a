"""Every write to credits: grants, charges, refunds and purchases, one ledger row each.

Each write locks the user's CreditAccount row first, so concurrent writes for one user
run one after another and the balance they check is the balance they change.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from webapp.billing import stripe_client
from webapp.billing.models import (
    CreditAccount,
    CreditTransaction,
    Payment,
    PaymentStatus,
    StripeEvent,
    TransactionKind,
)
from webapp.billing.selectors import credits_balance
from webapp.billing.wording import credits_text, more_credits_text
from webapp.errors import ApplicationError

log = logging.getLogger(__name__)


class UnknownPack(ApplicationError):
    """No credit pack has this id."""

    field = "pack"


class PaymentUnavailable(ApplicationError):
    """Payments are not configured, or Stripe could not be reached."""

    status_code = 503


class InsufficientCredits(ApplicationError):
    """The user's balance does not cover a charge."""

    status_code = 402

    def __init__(self, *, required: int, balance: int) -> None:
        self.required = required
        self.balance = balance
        self.missing = required - balance
        super().__init__(
            f"This job costs {credits_text(required)} and your balance is {balance}: "
            f"buy at least {more_credits_text(self.missing)}."
        )

    def body(self) -> dict:
        return {
            "detail": str(self),
            "required": self.required,
            "balance": self.balance,
            "missing": self.missing,
        }


def job_reference(job_id: object) -> str:
    return f"job:{job_id}"


def credits_account_lock(*, user) -> CreditAccount:
    """Lock the user's credit account until the current transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Lock a credit account only inside a transaction.")
    CreditAccount.objects.get_or_create(user=user)
    return CreditAccount.objects.select_for_update().get(user=user)


def _append(*, user, kind: str, amount: int, reason: str, **fields) -> CreditTransaction:
    balance = credits_balance(user=user)
    if balance + amount < 0:
        raise InsufficientCredits(required=-amount, balance=balance)
    return CreditTransaction.objects.create(
        user=user, kind=kind, amount=amount, balance_after=balance + amount, reason=reason, **fields
    )


@transaction.atomic
def credits_grant(*, user, amount: int, reason: str, reference: str = "") -> CreditTransaction:
    """Give the user `amount` free credits (staff goodwill, sign-up gifts, the demo user)."""
    if amount <= 0:
        raise ValueError("A grant must be positive.")
    credits_account_lock(user=user)
    return _append(
        user=user, kind=TransactionKind.GRANT, amount=amount, reason=reason, reference=reference
    )


@transaction.atomic
def credits_charge(*, user, amount: int, reason: str, job=None) -> CreditTransaction | None:
    """Take `amount` credits for a job; InsufficientCredits if the balance does not cover it."""
    if amount < 0:
        raise ValueError("A charge cannot be negative.")
    credits_account_lock(user=user)
    if amount == 0:
        return None
    return _append(
        user=user,
        kind=TransactionKind.CHARGE,
        amount=-amount,
        reason=reason,
        reference=job_reference(job.id) if job else "",
        job=job,
    )


@transaction.atomic
def credits_refund(*, job_id: object, reason: str) -> CreditTransaction | None:
    """Give back what a job was charged, once; None when it was not charged or already refunded."""
    reference = job_reference(job_id)
    charge = CreditTransaction.objects.filter(
        kind=TransactionKind.CHARGE, reference=reference
    ).first()
    if charge is None:
        return None
    credits_account_lock(user=charge.user)
    if CreditTransaction.objects.filter(kind=TransactionKind.REFUND, reference=reference).exists():
        return None
    return _append(
        user=charge.user,
        kind=TransactionKind.REFUND,
        amount=-charge.amount,
        reason=reason[:200],
        reference=reference,
        job_id=charge.job_id,
    )


@transaction.atomic
def credits_purchase(*, payment: Payment) -> CreditTransaction | None:
    """Add the credits of a paid payment, once; None when they were already added."""
    reference = f"payment:{payment.id}"
    credits_account_lock(user=payment.user)
    if CreditTransaction.objects.filter(
        kind=TransactionKind.PURCHASE, reference=reference
    ).exists():
        return None
    return _append(
        user=payment.user,
        kind=TransactionKind.PURCHASE,
        amount=payment.credits,
        reason=f"Bought the {payment.pack} pack",
        reference=reference,
        payment=payment,
    )


def checkout_create(*, user, pack_id: str, site_url: str | None = None) -> Payment:
    """Record a payment for a credit pack and open a Stripe Checkout Session for it.

    Stripe sends the buyer back to `site_url` (the address they used), else SITE_URL.
    """
    pack = settings.STEMWORKS_CREDIT_PACKS.get(pack_id)
    if pack is None:
        choices = ", ".join(settings.STEMWORKS_CREDIT_PACKS)
        raise UnknownPack(f"Unknown pack {pack_id!r}; choose one of: {choices}.")
    if not settings.STRIPE_SECRET_KEY:
        raise PaymentUnavailable("Payments are not configured on this server.")
    # Committed before calling Stripe, so no transaction stays open during the request.
    payment = Payment.objects.create(
        user=user,
        pack=pack_id,
        credits=pack["credits"],
        amount=pack["price"],
        currency=settings.STEMWORKS_CURRENCY,
    )
    back = (site_url or settings.SITE_URL).rstrip("/")
    try:
        session = stripe_client.checkout_session_create(
            payment_id=payment.id,
            title=f"Stemworks: {credits_text(pack['credits'])}",
            amount=payment.amount,
            currency=payment.currency,
            customer_email=user.email,
            success_url=f"{back}{reverse('pages:credits')}?checkout=success&payment={payment.id}",
            cancel_url=f"{back}{reverse('pages:credits')}?checkout=cancelled&payment={payment.id}",
        )
    except stripe_client.StripeUnavailable as exc:
        log.warning("checkout for payment %s failed: %s", payment.id, exc)
        Payment.objects.filter(id=payment.id).update(
            status=PaymentStatus.FAILED, error=str(exc)[:1000], updated_at=timezone.now()
        )
        raise PaymentUnavailable("The payment provider is unavailable; please try again.") from exc
    Payment.objects.filter(id=payment.id, status=PaymentStatus.CREATED).update(
        status=PaymentStatus.OPEN,
        stripe_session_id=session.id,
        checkout_url=session.url,
        updated_at=timezone.now(),
    )
    payment.refresh_from_db()
    return payment


SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}


@transaction.atomic
def stripe_event_handle(*, event: dict) -> str:
    """Apply a verified Stripe event once; return "handled", "duplicate" or "ignored"."""
    # A second delivery of one event waits here on the unique id, then finds it stored.
    record, created = StripeEvent.objects.get_or_create(
        event_id=event["id"], defaults={"type": event["type"]}
    )
    if not created:
        return "duplicate"
    if event["type"] not in SESSION_EVENTS:
        return "ignored"
    session = event["data"]["object"]
    payment = _payment_of_session(session)
    if payment is None:
        log.warning("stripe event %s: no payment for session %s", event["id"], session.get("id"))
        return "ignored"
    record.payment = payment
    record.save(update_fields=["payment"])
    _apply_session_event(payment=payment, event_type=event["type"], session=session)
    return "handled"


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


def _apply_session_event(*, payment: Payment, event_type: str, session: dict) -> None:
    # Events may come in any order: once paid, a payment stays paid.
    if payment.status == PaymentStatus.PAID:
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
