"""Reads of credits and payments."""

from django.db.models import QuerySet, Sum

from webapp.billing.models import CreditTransaction, Payment


def credits_balance(*, user) -> int:
    """Return the user's balance: the sum of their ledger."""
    total = CreditTransaction.objects.filter(user=user).aggregate(total=Sum("amount"))["total"]
    return total or 0


def transactions_for_user(*, user) -> QuerySet[CreditTransaction]:
    """Return the user's ledger, newest first."""
    return CreditTransaction.objects.filter(user=user).order_by("-created_at", "-id")


def payments_for_user(*, user) -> QuerySet[Payment]:
    """Return the user's payments, newest first."""
    return Payment.objects.filter(user=user).order_by("-created_at")
