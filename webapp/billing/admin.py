from django.contrib import admin

from webapp.billing.models import CreditTransaction, Payment, StripeEvent, owner_text


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money records are written by services only; staff read them here."""

    @admin.display(description="user", ordering="user__username")
    def owner(self, row) -> str:
        # Rows of deleted accounts stay, with the user detached.
        return owner_text(row)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CreditTransaction)
class CreditTransactionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "owner", "kind", "amount", "balance_after", "reason", "reference"]
    list_filter = ["kind", "created_at"]
    search_fields = ["user__username", "user__email", "reference", "reason"]
    readonly_fields = [
        "user",
        "former_user_id",
        "kind",
        "amount",
        "balance_after",
        "reason",
        "reference",
        "job",
        "payment",
        "created_at",
    ]
    list_select_related = ["user"]


class StripeEventInline(admin.TabularInline):
    model = StripeEvent
    extra = 0
    readonly_fields = ["event_id", "type", "received_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "owner",
        "pack",
        "credits",
        "amount",
        "amount_refunded",
        "currency",
        "status",
        "created_at",
    ]
    list_filter = ["status", "pack", "currency", "created_at"]
    search_fields = [
        "user__username",
        "user__email",
        "stripe_session_id",
        "stripe_payment_intent_id",
    ]
    readonly_fields = [
        "user",
        "former_user_id",
        "pack",
        "credits",
        "amount",
        "amount_refunded",
        "currency",
        "status",
        "stripe_session_id",
        "stripe_payment_intent_id",
        "checkout_url",
        "error",
        "created_at",
        "updated_at",
        "paid_at",
    ]
    inlines = [StripeEventInline]
    list_select_related = ["user"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "type", "event_id", "payment"]
    list_filter = ["type"]
    search_fields = ["event_id", "payment__stripe_session_id"]
    readonly_fields = ["event_id", "type", "payment", "received_at"]
