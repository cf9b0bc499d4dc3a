"""manage.py grant_credits: staff give a user credits through the ledger."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from webapp.billing.models import CreditTransaction
from webapp.billing.selectors import credits_balance


def test_it_grants_credits_with_a_reason_and_prints_the_balance(other_user):
    out = StringIO()

    call_command("grant_credits", "other", "15", "--reason", "Support ticket 42", stdout=out)

    assert credits_balance(user=other_user) == 15
    grant = CreditTransaction.objects.get(user=other_user)
    assert (grant.kind, grant.reason) == ("grant", "Support ticket 42")
    assert "other now has 15 credits" in out.getvalue()


def test_it_says_credit_for_one_credit(other_user):
    out = StringIO()

    call_command("grant_credits", "other", "1", "--reason", "Sorry", stdout=out)

    assert out.getvalue().strip() == "other now has 1 credit."


def test_it_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("grant_credits", "nobody", "5", "--reason", "x")


def test_it_refuses_a_negative_amount(other_user):
    with pytest.raises(CommandError, match="positive"):
        call_command("grant_credits", "other", "-5", "--reason", "x")

    assert credits_balance(user=other_user) == 0
