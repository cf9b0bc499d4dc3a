"""Reads of credits and payments."""

from django.conf import settings
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from webapp.billing.models import CreditTransaction, Payment


def _newest_first(user) -> QuerySet[CreditTransaction]:
    # Ledger rows of one user are written one at a time under the CreditAccount lock, so
    # the highest id is the latest row and its balance_after is the balance (clocks of
    # several hosts may disagree; ids from one sequence do not).
    return CreditTransaction.objects.filter(user=user).order_by("-id")


def credits_balance(*, user) -> int:
    """Return the user's balance: the balance_after of their latest ledger row (one index read)."""
    balance = _newest_first(user).values_list("balance_after", flat=True).first()
    return balance or 0


def credits_balance_expression() -> Coalesce:
    """Return an annotation for a user queryset: each user's balance, in the same query."""
    latest = _newest_first(OuterRef("pk")).values("balance_after")[:1]
    return Coalesce(Subquery(latest, output_field=IntegerField()), Value(0))


def transactions_for_user(*, user) -> QuerySet[CreditTransaction]:
    """Return the user's ledger, newest first."""
    return CreditTransaction.objects.filter(user=user).order_by("-created_at", "-id")


def payments_for_user(*, user) -> QuerySet[Payment]:
    """Return the user's payments, newest first."""
    return Payment.objects.filter(user=user).order_by("-created_at")


def credit_packs() -> list[dict]:
    """Return the packs for sale: id, credits, price (minor unit) and currency, from settings."""
    currency = settings.STEMWORKS_CURRENCY
    return [
        {"id": key, "currency": currency, **pack}
        for key, pack in settings.STEMWORKS_CREDIT_PACKS.items()
    ]
