"""Every write to credits: grants, charges, refunds and purchases, one ledger row each.

Each write locks the user's CreditAccount row first, so concurrent writes for one user
run one after another and the balance they check is the balance they change.
"""

from django.db import transaction

from webapp.billing.models import CreditAccount, CreditTransaction, Payment, TransactionKind
from webapp.billing.selectors import credits_balance


class InsufficientCredits(Exception):
    """The user's balance does not cover a charge."""

    def __init__(self, *, required: int, balance: int) -> None:
        self.required = required
        self.balance = balance
        self.missing = required - balance
        super().__init__(
            f"This job costs {required} credits and your balance is {balance}: "
            f"buy at least {self.missing} more credits."
        )


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
