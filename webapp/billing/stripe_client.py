"""Every call to Stripe goes through this module, so tests replace one place."""

import json
from dataclasses import dataclass

import stripe
from django.conf import settings

# Tests install a fake stripe.HTTPClient here; None uses the library's default client.
http_client: stripe.HTTPClient | None = None


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the request."""


class InvalidWebhook(Exception):
    """A webhook request whose signature or payload does not check out."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def client() -> stripe.StripeClient:
    """Return a Stripe client with our key, pointed at STRIPE_API_BASE when set (stripe-mock)."""
    base = settings.STRIPE_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base} if base else None,
        http_client=http_client,
        max_network_retries=2,
    )


def checkout_session_create(
    *,
    payment_id: int,
    title: str,
    amount: int,
    currency: str,
    customer_email: str,
    success_url: str,
    cancel_url: str,
) -> CheckoutSession:
    """Create a one-time payment Checkout Session for one of our Payment rows."""
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency,
                    "unit_amount": amount,
                    "product_data": {"name": title},
                },
            }
        ],
        "client_reference_id": str(payment_id),
        "metadata": {"payment_id": str(payment_id)},
        # Copied onto the charge, so a refund or dispute finds its payment even before
        # the session event that names the payment intent.
        "payment_intent_data": {"metadata": {"payment_id": str(payment_id)}},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if customer_email:
        params["customer_email"] = customer_email
    try:
        # The idempotency key makes a retried request return the session already made.
        session = client().v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"stemworks-payment-{payment_id}"}
        )
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc) or type(exc).__name__) from exc
    return CheckoutSession(id=session.id, url=session.url)


def webhook_event(*, payload: bytes, signature: str) -> dict:
    """Return the event of a webhook request after checking its Stripe-Signature header."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise InvalidWebhook("Webhooks are not configured (STRIPE_WEBHOOK_SECRET is unset).")
    try:
        stripe.Webhook.construct_event(
            payload, signature, secret, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_S
        )
    except stripe.SignatureVerificationError:
        raise InvalidWebhook(
            "The Stripe-Signature header is missing, does not match the payload, or is too old."
        ) from None
    except ValueError as exc:
        raise InvalidWebhook(f"Bad payload: {exc}") from None
    return json.loads(payload)
