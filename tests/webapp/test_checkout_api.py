"""POST /api/v1/checkout: buy a credit pack through a Stripe Checkout Session."""

from urllib.parse import parse_qs

import pytest

from tests.stripe_fakes import FakeStripeHTTP
from webapp.billing.models import Payment

URL = "/api/v1/checkout"


@pytest.fixture
def stripe_http(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STEMWORKS_CREDIT_PACKS = {"starter": {"credits": 10, "price": 500}}
    settings.STEMWORKS_CURRENCY = "eur"
    fake = FakeStripeHTTP()
    monkeypatch.setattr("webapp.billing.stripe_client.http_client", fake)
    return fake


def test_it_opens_a_checkout_session_and_records_the_payment(owner_api, owner, stripe_http):
    stripe_http.answer(
        200,
        {"id": "cs_test_1", "object": "checkout.session", "url": "https://checkout.test/cs_1"},
    )

    response = owner_api.post(URL, {"pack": "starter"})

    assert response.status_code == 201
    assert response.json()["checkout_url"] == "https://checkout.test/cs_1"
    payment = Payment.objects.get()
    assert (payment.user, payment.status, payment.stripe_session_id) == (owner, "open", "cs_test_1")
    assert (payment.credits, payment.amount, payment.currency) == (10, 500, "eur")
    sent = stripe_http.requests[0]
    assert sent["url"].endswith("/v1/checkout/sessions")
    assert sent["headers"]["Authorization"] == "Bearer sk_test_123"
    assert sent["headers"]["Idempotency-Key"] == f"stemworks-payment-{payment.id}"
    form = parse_qs(sent["data"])
    assert form["mode"] == ["payment"]
    assert form["line_items[0][price_data][unit_amount]"] == ["500"]
    assert form["line_items[0][price_data][currency]"] == ["eur"]
    assert form["metadata[payment_id]"] == [str(payment.id)]
    assert form["customer_email"] == ["owner@example.com"]
    assert form["line_items[0][price_data][product_data][name]"] == ["Stemworks: 10 credits"]


def test_stripe_sends_the_buyer_back_to_the_address_they_used(owner_api, stripe_http, settings):
    settings.ALLOWED_HOSTS = ["stemworks.example"]
    settings.SITE_URL = ""
    stripe_http.answer(200, {"id": "cs_3", "object": "checkout.session", "url": "https://x/3"})

    owner_api.post(URL, {"pack": "starter"}, HTTP_HOST="stemworks.example:8011")

    form = parse_qs(stripe_http.requests[0]["data"])
    payment = Payment.objects.get()
    assert form["success_url"] == [
        f"http://stemworks.example:8011/credits/?checkout=success&payment={payment.id}"
    ]
    assert form["cancel_url"][0].startswith(
        "http://stemworks.example:8011/credits/?checkout=cancelled"
    )


def test_it_talks_to_the_configured_api_base(owner_api, stripe_http, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:12111"
    stripe_http.answer(200, {"id": "cs_2", "object": "checkout.session", "url": "https://x/2"})

    owner_api.post(URL, {"pack": "starter"})

    assert stripe_http.requests[0]["url"] == "http://127.0.0.1:12111/v1/checkout/sessions"


def test_it_returns_400_for_an_unknown_pack(owner_api, stripe_http):
    response = owner_api.post(URL, {"pack": "mega"})

    assert response.status_code == 400
    assert "starter" in response.json()["pack"][0]
    assert not Payment.objects.exists()
    assert not stripe_http.requests


def test_it_returns_503_and_marks_the_payment_failed_when_stripe_refuses(owner_api, stripe_http):
    stripe_http.answer(
        401, {"error": {"message": "Invalid API Key", "type": "invalid_request_error"}}
    )

    response = owner_api.post(URL, {"pack": "starter"})

    assert response.status_code == 503
    payment = Payment.objects.get()
    assert payment.status == "failed"
    assert "Invalid API Key" in payment.error


def test_it_returns_503_when_payments_are_not_configured(owner_api, stripe_http, settings):
    settings.STRIPE_SECRET_KEY = ""

    response = owner_api.post(URL, {"pack": "starter"})

    assert response.status_code == 503
    assert "not configured" in response.json()["detail"]


def test_it_returns_401_without_credentials(anonymous_api, db):
    assert anonymous_api.post(URL, {"pack": "starter"}).status_code == 401
