"""manage.py ensure_demo_user: the login `make run` prints."""

from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from rest_framework.authtoken.models import Token


def test_it_creates_a_demo_user_that_can_log_in_and_prints_its_token(db):
    out = StringIO()

    call_command("ensure_demo_user", stdout=out)

    user = authenticate(username="demo", password="demo-password")
    assert user is not None
    text = out.getvalue()
    assert "Demo login: demo / demo-password" in text
    assert Token.objects.get(user=user).key in text


def test_running_it_twice_keeps_one_user_and_one_token(db):
    call_command("ensure_demo_user", stdout=StringIO())
    call_command("ensure_demo_user", "--password", "another-one", stdout=StringIO())

    assert Token.objects.filter(user__username="demo").count() == 1
    assert authenticate(username="demo", password="another-one") is not None


def test_the_demo_user_can_pay_for_jobs_and_gets_its_credits_once(db):
    from webapp.accounts.selectors import email_is_verified
    from webapp.billing.selectors import credits_balance

    call_command("ensure_demo_user", stdout=StringIO())
    call_command("ensure_demo_user", stdout=StringIO())

    user = authenticate(username="demo", password="demo-password")
    assert email_is_verified(user=user)
    assert credits_balance(user=user) == 60
