"""Every write to credits: grants, charges, refunds, purchases, clawbacks, one ledger row each.

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
    # A clawback takes what a refund covers even from spent credits (see docs/api.md).
    if amount < 0 and kind != TransactionKind.CLAWBACK and balance + amount < 0:
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
    if payment.user_id is None:
        return None  # the account was deleted before the money arrived
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


@transaction.atomic
def credits_clawback(
    *, payment: Payment, amount: int, reason: str, reference: str
) -> CreditTransaction | None:
    """Take back `amount` credits of a refunded or disputed payment, once per `reference`.

    The balance may go below zero: the credits may be spent already, and a negative
    balance blocks paid jobs until the user buys more.
    """
    return _reverse(
        payment=payment,
        kind=TransactionKind.CLAWBACK,
        amount=-amount,
        reason=reason,
        reference=reference,
    )


@transaction.atomic
def credits_reinstate(
    *, payment: Payment, amount: int, reason: str, reference: str
) -> CreditTransaction | None:
    """Give back `amount` credits a clawback took (a dispute the seller won), once."""
    return _reverse(
        payment=payment,
        kind=TransactionKind.REINSTATE,
        amount=amount,
        reason=reason,
        reference=reference,
    )


def _reverse(
    *, payment: Payment, kind: str, amount: int, reason: str, reference: str
) -> CreditTransaction | None:
    if amount == 0 or payment.user_id is None:
        return None  # nothing to move, or the account was deleted
    credits_account_lock(user=payment.user)
    if CreditTransaction.objects.filter(kind=kind, reference=reference).exists():
        return None
    return _append(
        user=payment.user,
        kind=kind,
        amount=amount,
        reason=reason[:200],
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
