"""manage.py ensure_demo_user: the login and the named API token `make run` prints."""

import re
from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from rest_framework.test import APIClient

from webapp.accounts.models import ApiToken
from webapp.accounts.services import hash_key


def printed_key(out: StringIO) -> str:
    return re.search(r"API token:\s+(\S+)", out.getvalue()).group(1)


def me(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/auth/me").status_code


def test_it_creates_a_demo_user_that_can_log_in_and_prints_a_named_token(db):
    out = StringIO()

    call_command("ensure_demo_user", stdout=out)

    user = authenticate(username="demo", password="demo-password")
    assert user is not None
    assert "Demo login: demo / demo-password" in out.getvalue()
    key = printed_key(out)
    token = ApiToken.objects.get(user=user)
    assert token.name == "demo (make run)"
    assert token.key_hash == hash_key(key) and key not in token.prefix
    assert me(key) == 200


def test_running_it_twice_keeps_one_user_and_one_working_token(db):
    first, second = StringIO(), StringIO()
    call_command("ensure_demo_user", stdout=first)
    call_command("ensure_demo_user", "--password", "another-one", stdout=second)

    working = ApiToken.objects.filter(user__username="demo", revoked_at__isnull=True)
    assert working.count() == 1
    assert me(printed_key(second)) == 200
    assert me(printed_key(first)) == 401
    assert authenticate(username="demo", password="another-one") is not None


def test_the_demo_user_can_pay_for_jobs_and_gets_its_credits_once(db):
    from webapp.accounts.selectors import email_is_verified
    from webapp.billing.selectors import credits_balance

    call_command("ensure_demo_user", stdout=StringIO())
    call_command("ensure_demo_user", stdout=StringIO())

    user = authenticate(username="demo", password="demo-password")
    assert email_is_verified(user=user)
    assert credits_balance(user=user) == 60
