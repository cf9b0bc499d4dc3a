"""Stand-ins for Stripe: a fake HTTP client for its library, and webhook signatures."""

import hashlib
import hmac
import json
import time

import stripe

WEBHOOK_SECRET = "whsec_test_secret"


class FakeStripeHTTP(stripe.HTTPClient):
    """Answer the Stripe library's requests from a queue of (status, body); record each request."""

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []

    def answer(self, status: int, body: dict) -> None:
        self.answers.append((status, body))

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.requests.append(
            {"method": method, "url": url, "headers": dict(headers or {}), "data": post_data}
        )
        status, body = self.answers.pop(0)
        return json.dumps(body), status, {"request-id": "req_fake"}

    def close(self) -> None:
        pass


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """Return a Stripe-Signature header for `payload`, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def session_event(
    payment, *, type: str = "checkout.session.completed", event_id: str = "evt_1", **session
) -> bytes:
    """Return the JSON body of a Checkout Session event for one of our payments."""
    obj = {
        "id": payment.stripe_session_id,
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": payment.amount,
        "currency": payment.currency,
        "metadata": {"payment_id": str(payment.id)},
        **session,
    }
    event = {"id": event_id, "object": "event", "type": type, "data": {"object": obj}}
    return json.dumps(event).encode()
