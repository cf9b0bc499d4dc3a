"""Concurrent charges against PostgreSQL never take a balance below zero."""

import threading

import pytest
from django.db import connection

from tests.factories import UserFactory
from webapp.billing.models import CreditTransaction
from webapp.billing.selectors import credits_balance
from webapp.billing.services import InsufficientCredits, credits_charge, credits_grant


@pytest.mark.django_db(transaction=True)
def test_parallel_charges_never_take_the_balance_below_zero():
    assert connection.vendor == "postgresql", "run with PostgreSQL"
    user = UserFactory(username="busy")
    credits_grant(user=user, amount=10, reason="welcome")
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def charge() -> None:
        try:
            start.wait()
            for _ in range(3):
                try:
                    credits_charge(user=user, amount=1, reason="parallel job")
                    outcomes.append("charged")
                except InsufficientCredits:
                    outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=charge) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("charged") == 10
    assert outcomes.count("refused") == 14
    assert credits_balance(user=user) == 0
    balances = CreditTransaction.objects.filter(user=user).values_list("balance_after", flat=True)
    assert min(balances) == 0


@pytest.mark.django_db(transaction=True)
def test_parallel_refunds_of_one_job_give_the_credits_back_once():
    from tests.factories import charged_job
    from webapp.billing.services import credits_refund

    user = UserFactory(username="unlucky")
    credits_grant(user=user, amount=10, reason="welcome")
    job = charged_job(user, cost=4)
    start = threading.Barrier(6)

    def refund() -> None:
        try:
            start.wait()
            credits_refund(job_id=job.id, reason="failed")
        finally:
            connection.close()

    threads = [threading.Thread(target=refund) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert credits_balance(user=user) == 10
    assert CreditTransaction.objects.filter(kind="refund").count() == 1
