"""The credit ledger: grants, charges, refunds and the balance they add up to."""

import random

import pytest
from django.db import IntegrityError
from django.db.models import Sum

from tests.factories import JobFactory, UserFactory
from webapp.billing.models import CreditTransaction
from webapp.billing.selectors import credits_balance
from webapp.billing.services import (
    InsufficientCredits,
    credits_charge,
    credits_grant,
    credits_refund,
)


def test_the_balance_is_the_sum_of_the_ledger(other_user):
    credits_grant(user=other_user, amount=10, reason="welcome")
    job = JobFactory(owner=other_user)
    credits_charge(user=other_user, amount=3, reason="a song", job=job)

    assert credits_balance(user=other_user) == 7
    rows = list(CreditTransaction.objects.filter(user=other_user).order_by("id"))
    assert [(r.kind, r.amount, r.balance_after) for r in rows] == [
        ("grant", 10, 10),
        ("charge", -3, 7),
    ]
    assert rows[1].reference == f"job:{job.id}"


def test_a_user_without_transactions_has_a_balance_of_zero(other_user):
    assert credits_balance(user=other_user) == 0


def test_a_charge_larger_than_the_balance_is_refused_and_leaves_no_row(other_user):
    credits_grant(user=other_user, amount=2, reason="welcome")

    with pytest.raises(InsufficientCredits) as refused:
        credits_charge(user=other_user, amount=5, reason="a long song")

    assert (refused.value.required, refused.value.balance, refused.value.missing) == (5, 2, 3)
    assert credits_balance(user=other_user) == 2
    assert CreditTransaction.objects.filter(kind="charge").count() == 0


def test_the_database_refuses_a_row_that_would_make_the_balance_negative(other_user):
    with pytest.raises(IntegrityError):
        CreditTransaction.objects.create(
            user=other_user, kind="charge", amount=-1, balance_after=-1, reason="sneaky"
        )


def test_ledger_rows_cannot_be_edited(other_user):
    row = credits_grant(user=other_user, amount=5, reason="welcome")
    row.amount = 500

    with pytest.raises(ValueError):
        row.save()

    assert credits_balance(user=other_user) == 5


def test_a_refund_gives_back_the_charge_exactly_once(other_user):
    credits_grant(user=other_user, amount=10, reason="welcome")
    job = JobFactory(owner=other_user)
    credits_charge(user=other_user, amount=4, reason="a song", job=job)

    first = credits_refund(job_id=job.id, reason="failed")
    second = credits_refund(job_id=job.id, reason="failed again")

    assert first is not None and first.amount == 4
    assert second is None
    assert credits_balance(user=other_user) == 10


def test_the_database_refuses_a_second_refund_for_one_job(other_user):
    credits_grant(user=other_user, amount=10, reason="welcome")
    job = JobFactory(owner=other_user)
    credits_charge(user=other_user, amount=4, reason="a song", job=job)
    credits_refund(job_id=job.id, reason="failed")

    with pytest.raises(IntegrityError):
        CreditTransaction.objects.create(
            user=other_user,
            kind="refund",
            amount=4,
            balance_after=14,
            reason="twice",
            reference=f"job:{job.id}",
        )


def test_a_job_that_was_never_charged_gets_no_refund(other_user):
    job = JobFactory(owner=other_user, kind="preview")

    assert credits_refund(job_id=job.id, reason="failed") is None
    assert credits_balance(user=other_user) == 0


def test_the_balance_read_from_the_newest_row_equals_the_sum_over_many_transactions(
    other_user, django_assert_num_queries
):
    rng = random.Random(7)
    expected = 0
    for step in range(150):
        if expected and rng.random() < 0.45:
            amount = rng.randint(1, expected)
            job = JobFactory(owner=other_user)
            credits_charge(user=other_user, amount=amount, reason=f"song {step}", job=job)
            expected -= amount
            if rng.random() < 0.3:
                credits_refund(job_id=job.id, reason="failed")
                expected += amount
        else:
            amount = rng.randint(1, 20)
            credits_grant(user=other_user, amount=amount, reason=f"gift {step}")
            expected += amount
        if step % 25 == 0:
            credits_grant(user=UserFactory(), amount=3, reason="someone else's row between")

    ledger_sum = CreditTransaction.objects.filter(user=other_user).aggregate(s=Sum("amount"))["s"]
    with django_assert_num_queries(1):
        balance = credits_balance(user=other_user)

    assert balance == ledger_sum == expected
    assert CreditTransaction.objects.filter(user=other_user).count() > 150


def test_a_user_without_transactions_costs_one_query_too(other_user, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert credits_balance(user=other_user) == 0


@pytest.mark.parametrize(
    ("cost", "balance", "message"),
    [
        (1, 0, "This job costs 1 credit and your balance is 0: buy at least 1 more credit."),
        (3, 1, "This job costs 3 credits and your balance is 1: buy at least 2 more credits."),
        (2, 1, "This job costs 2 credits and your balance is 1: buy at least 1 more credit."),
    ],
)
def test_a_refused_charge_says_credit_or_credits_as_the_number_needs(
    other_user, cost, balance, message
):
    if balance:
        credits_grant(user=other_user, amount=balance, reason="welcome")

    with pytest.raises(InsufficientCredits) as refused:
        credits_charge(user=other_user, amount=cost, reason="a song")

    assert str(refused.value) == message
