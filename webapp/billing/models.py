"""Credits and payments: an append-only ledger, a lock row per user, Stripe payments and events."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CreditAccount(models.Model):
    """One row per user, locked (SELECT ... FOR UPDATE) around every ledger write."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credit_account"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"credits of {self.user}"


class TransactionKind(models.TextChoices):
    PURCHASE = "purchase"
    CHARGE = "charge"
    REFUND = "refund"
    GRANT = "grant"
    # A refunded or disputed payment's credits taken back, and a won dispute's given back.
    CLAWBACK = "clawback"
    REINSTATE = "reinstate"


# Kinds whose rows take credits; every other kind adds them.
TAKING_KINDS = ["charge", "clawback"]


class PaymentStatus(models.TextChoices):
    CREATED = "created"
    OPEN = "open"
    PAID = "paid"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUNDED = "refunded"
    DISPUTED = "disputed"


# Statuses after the money arrived: a late or repeated Checkout event changes none of them.
SETTLED = [PaymentStatus.PAID, PaymentStatus.REFUNDED, PaymentStatus.DISPUTED]


class Payment(models.Model):
    # Kept for the accounts when the user deletes their account, without the user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
    )
    former_user_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The id of the deleted account this payment was for."
    )
    pack = models.CharField(max_length=40)
    credits = models.PositiveIntegerField()
    amount = models.PositiveIntegerField(help_text="Price in the currency's minor unit (cents).")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(
        max_length=255,
        unique=True,
        null=True,
        blank=True,
        help_text="Refunds and disputes name the payment by its payment intent.",
    )
    amount_refunded = models.PositiveIntegerField(
        default=0, help_text="Refunded so far, in the currency's minor unit."
    )
    checkout_url = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.pack} for {owner_text(self)} ({self.status})"


def owner_text(row: "Payment | CreditTransaction") -> str:
    """Return who a money record belongs to, also once their account is deleted."""
    if row.user_id is not None:
        return str(row.user)
    if row.former_user_id is not None:
        return f"deleted account #{row.former_user_id}"
    return "no account"


class CreditTransaction(models.Model):
    # Kept for the accounts when the user deletes their account, without the user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="credit_transactions",
    )
    former_user_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The id of the deleted account this row was for."
    )
    kind = models.CharField(max_length=10, choices=TransactionKind.choices)
    amount = models.IntegerField(help_text="Credits: positive adds, negative takes.")
    balance_after = models.IntegerField()
    reason = models.CharField(max_length=200)
    reference = models.CharField(max_length=100, blank=True)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Only taking back a refunded or disputed payment may leave a balance below
            # zero (the credits were spent already); nothing else takes a balance there.
            models.CheckConstraint(
                condition=Q(balance_after__gte=0) | Q(amount__gt=0) | Q(kind="clawback"),
                name="credit_balance_negative_only_by_clawback",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TAKING_KINDS, amount__lt=0)
                | (~Q(kind__in=TAKING_KINDS) & Q(amount__gt=0)),
                name="credit_amount_sign_matches_kind",
            ),
            # A job is charged and refunded at most once, a payment credited at most once,
            # a refund or a dispute taken back (and a won dispute given back) at most once.
            models.UniqueConstraint(
                fields=["kind", "reference"],
                condition=Q(kind__in=["charge", "refund", "purchase", "clawback", "reinstate"])
                & ~Q(reference=""),
                name="one_ledger_entry_per_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            # The balance is the newest row's balance_after: one index read per user.
            models.Index(fields=["user", "-id"], name="credit_ledger_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} for {owner_text(self)}"

    def save(self, *args, **kwargs) -> None:
        # The ledger is append-only: a correction is a new row, never an edit.
        if not self._state.adding:
            raise ValueError("Credit transactions cannot be changed.")
        super().save(*args, **kwargs)


class StripeEvent(models.Model):
    """A Stripe webhook event we have handled, so a repeated delivery does nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
