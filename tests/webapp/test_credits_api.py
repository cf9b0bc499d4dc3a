"""GET /api/v1/credits, /credits/transactions and /payments: a user's own money only."""

from webapp.billing.models import Payment


def test_it_shows_the_balance_and_the_packs_for_sale(owner_api, settings):
    settings.STEMWORKS_CREDIT_PACKS = {"starter": {"credits": 10, "price": 500}}
    settings.STEMWORKS_CURRENCY = "usd"

    response = owner_api.get("/api/v1/credits")

    assert response.status_code == 200
    assert response.json() == {
        "balance": 100,
        "packs": [{"id": "starter", "credits": 10, "price": 500, "currency": "usd"}],
    }


def test_the_ledger_lists_only_the_users_own_transactions(owner_api, other_api):
    mine = owner_api.get("/api/v1/credits/transactions").json()
    theirs = other_api.get("/api/v1/credits/transactions").json()

    assert [(t["kind"], t["amount"], t["balance_after"]) for t in mine["results"]] == [
        ("grant", 100, 100)
    ]
    assert theirs["results"] == []


def test_payments_list_only_the_users_own(owner_api, other_api, owner):
    Payment.objects.create(user=owner, pack="starter", credits=10, amount=500, currency="usd")

    assert owner_api.get("/api/v1/payments").json()["count"] == 1
    assert other_api.get("/api/v1/payments").json()["count"] == 0


def test_credits_need_credentials(anonymous_api, db):
    assert anonymous_api.get("/api/v1/credits").status_code == 401
