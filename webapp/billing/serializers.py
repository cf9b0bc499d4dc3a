"""Small input and output serializers for credits and payments."""

from rest_framework import serializers

from webapp.billing.models import CreditTransaction, Payment


class PackOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    credits = serializers.IntegerField()
    price = serializers.IntegerField(help_text="In the currency's minor unit (cents).")
    currency = serializers.CharField()


class CreditsOutputSerializer(serializers.Serializer):
    balance = serializers.IntegerField()
    packs = PackOutputSerializer(many=True)


class TransactionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditTransaction
        fields = ["id", "kind", "amount", "balance_after", "reason", "reference", "created_at"]


class CheckoutInputSerializer(serializers.Serializer):
    pack = serializers.CharField(help_text="The id of a credit pack, from GET /api/v1/credits.")


class PaymentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = [
            "id",
            "pack",
            "credits",
            "amount",
            "currency",
            "status",
            "amount_refunded",
            "checkout_url",
            "created_at",
            "paid_at",
        ]


class StripeWebhookOutputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["handled", "duplicate", "ignored"],
        help_text="handled: applied now; duplicate: seen before; ignored: not an event we "
        "use, or one that changes nothing.",
    )
