"""Refunds and disputes: take back the credits a returned payment bought, give back a won one's.

Policy (docs/api.md, "Refunds and disputes"): a refund takes back the credits its share of
the price covers, rounded up, even when they are spent, so the balance may go below zero
and a negative balance blocks paid jobs until the user buys more. A dispute takes back
whatever the payment's credits still hold; a dispute closed as won gives that back once.
Every step compares what the payment's state calls for with what the ledger already took,
so a repeated or late event takes nothing twice.
"""

import logging

from django.db.models import Sum

from webapp.billing.models import (
    SETTLED,
    CreditTransaction,
    Payment,
    PaymentStatus,
    TransactionKind,
)
from webapp.billing.services import credits_clawback, credits_reinstate

log = logging.getLogger(__name__)


def credits_covered(*, payment: Payment, refunded: int) -> int:
    """Return the credits that `refunded` (minor units) of the payment's price stands for."""
    if payment.amount <= 0 or refunded <= 0:
        return 0
    return min(payment.credits, -(-payment.credits * refunded // payment.amount))


def credits_taken_back(*, payment: Payment) -> int:
    """Return the payment's credits that clawbacks took, less what reinstatements gave back."""
    moved = CreditTransaction.objects.filter(
        payment=payment, kind__in=[TransactionKind.CLAWBACK, TransactionKind.REINSTATE]
    ).aggregate(total=Sum("amount"))["total"]
    return -(moved or 0)


def _was_credited(payment: Payment) -> bool:
    return CreditTransaction.objects.filter(payment=payment, kind=TransactionKind.PURCHASE).exists()


def payment_refund_record(*, payment: Payment, charge: dict) -> bool:
    """Record what Stripe says a payment's charge has refunded in all; False if nothing new.

    `charge` is a Stripe Charge: `amount_refunded` is the total refunded so far, so a
    second partial refund takes back only the difference and an older event nothing.
    """
    refunded = payment.amount if charge.get("refunded") is True else 0
    refunded = min(max(refunded, int(charge.get("amount_refunded") or 0)), payment.amount)
    if refunded <= payment.amount_refunded:
        return False
    payment.amount_refunded = refunded
    if refunded >= payment.amount and payment.status != PaymentStatus.DISPUTED:
        payment.status = PaymentStatus.REFUNDED
    payment.save(update_fields=["amount_refunded", "status", "updated_at"])
    refund_settle(payment=payment)
    return True


def refund_settle(*, payment: Payment) -> None:
    """Take back the credits the payment's refunds cover that the ledger has not taken yet.

    Also called when the purchase is credited after a refund arrived (events come in any order).
    """
    if payment.amount_refunded <= 0 or not _was_credited(payment):
        return
    owed = credits_covered(payment=payment, refunded=payment.amount_refunded)
    owed -= credits_taken_back(payment=payment)
    if owed <= 0:
        return
    whole = payment.amount_refunded >= payment.amount
    credits_clawback(
        payment=payment,
        amount=owed,
        reason=f"Taken back: {'the' if whole else 'part of the'} {payment.pack} pack was refunded",
        reference=f"refund:{payment.id}:{payment.amount_refunded}",
    )


def payment_dispute_open(*, payment: Payment, dispute: dict) -> bool:
    """Take back what the payment's credits still hold while the buyer disputes it."""
    if payment.status not in SETTLED:
        log.warning("dispute %s on payment %s (%s): nothing to take back",
                    dispute.get("id"), payment.id, payment.status)  # fmt: skip
        return False
    payment.status = PaymentStatus.DISPUTED
    payment.save(update_fields=["status", "updated_at"])
    if _was_credited(payment):
        credits_clawback(
            payment=payment,
            amount=payment.credits - credits_taken_back(payment=payment),
            reason=f"Taken back: the payment for the {payment.pack} pack is disputed",
            reference=f"dispute:{dispute['id']}",
        )
    return True


def payment_dispute_close(*, payment: Payment, dispute: dict) -> bool:
    """Give back what a dispute took when it closes as won; a lost one keeps it taken."""
    if payment.status != PaymentStatus.DISPUTED or dispute.get("status") != "won":
        return False
    payment.status = (
        PaymentStatus.REFUNDED if payment.amount_refunded >= payment.amount else PaymentStatus.PAID
    )
    payment.save(update_fields=["status", "updated_at"])
    reference = f"dispute:{dispute['id']}"
    taken = CreditTransaction.objects.filter(
        payment=payment, kind=TransactionKind.CLAWBACK, reference=reference
    ).first()
    if taken is not None:
        credits_reinstate(
            payment=payment,
            amount=-taken.amount,
            reason=f"Given back: the dispute over the {payment.pack} pack was settled",
            reference=reference,
        )
    refund_settle(payment=payment)  # refunds made during the dispute still count
    return True
