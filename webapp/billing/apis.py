"""The credits and payments API, and the Stripe webhook: one thin view per endpoint."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.accounts.links import site_url
from webapp.billing import selectors, services, stripe_client, webhooks
from webapp.billing.serializers import (
    CheckoutInputSerializer,
    CreditsOutputSerializer,
    PaymentOutputSerializer,
    StripeWebhookOutputSerializer,
    TransactionOutputSerializer,
)


class CreditsApi(APIView):
    @extend_schema(responses=CreditsOutputSerializer, summary="Your balance and the packs for sale")
    def get(self, request: Request) -> Response:
        body = {
            "balance": selectors.credits_balance(user=request.user),
            "packs": selectors.credit_packs(),
        }
        return Response(CreditsOutputSerializer(body).data)


class TransactionListApi(ListAPIView):
    serializer_class = TransactionOutputSerializer

    def get_queryset(self):
        return selectors.transactions_for_user(user=self.request.user)

    @extend_schema(summary="Your credit ledger, newest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class PaymentListApi(ListAPIView):
    serializer_class = PaymentOutputSerializer

    def get_queryset(self):
        return selectors.payments_for_user(user=self.request.user)

    @extend_schema(summary="Your payments, newest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class CheckoutApi(APIView):
    @extend_schema(
        request=CheckoutInputSerializer,
        responses={
            201: PaymentOutputSerializer,
            400: OpenApiTypes.OBJECT,
            503: OpenApiTypes.OBJECT,
        },
        summary="Buy a credit pack: returns the Stripe Checkout URL to send the buyer to",
    )
    def post(self, request: Request) -> Response:
        serializer = CheckoutInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = services.checkout_create(
            user=request.user,
            pack_id=serializer.validated_data["pack"],
            site_url=site_url(request),
        )
        return Response(PaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)


class StripeWebhookApi(APIView):
    """Stripe's calls: no session or token, the Stripe-Signature header proves the sender."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter(
                "Stripe-Signature",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="Stripe's signature of the raw body with the webhook secret.",
            )
        ],
        responses={
            200: StripeWebhookOutputSerializer,
            400: OpenApiTypes.OBJECT,
        },
        summary="Stripe webhook: apply a signed Checkout Session, refund or dispute event",
        description="Called by Stripe, not by clients. A paid session adds its pack's credits "
        "once; `charge.refunded` takes back the credits the refunded share covers, "
        "`charge.dispute.created` takes back the rest, `charge.dispute.closed` (won) gives "
        "that back. A repeated event answers `duplicate` and changes nothing; other event "
        "types, and events that change nothing, answer `ignored`. A missing, wrong or stale "
        "signature answers 400.",
    )
    def post(self, request: Request) -> Response:
        # The signature covers the raw bytes, so the body is read as it came, never parsed.
        try:
            event = stripe_client.webhook_event(
                payload=request.body, signature=request.headers.get("Stripe-Signature", "")
            )
        except stripe_client.InvalidWebhook as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"status": webhooks.stripe_event_handle(event=event)})
