"""Staff manage users and their API tokens in the admin."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory, paying_user
from webapp.accounts.models import ApiToken
from webapp.accounts.services import api_token_create, api_token_revoke


@pytest.mark.parametrize(
    "url", ["/admin/auth/user/", "/admin/accounts/apitoken/", "/admin/accounts/emailverification/"]
)
def test_staff_see_the_account_pages_and_others_do_not(staff, owner, url):
    api_token_create(user=owner, name="laptop")
    staff_client, user_client = Client(), Client()
    staff_client.force_login(staff)
    user_client.force_login(owner)

    assert staff_client.get(url).status_code == 200
    assert user_client.get(url).status_code == 302


def test_the_user_list_shows_each_balance(staff, owner):
    client = Client()
    client.force_login(staff)

    response = client.get("/admin/auth/user/?q=owner")

    assert b'<td class="field-credits">100</td>' in response.content


def test_the_user_list_shows_verification_and_working_tokens(staff, owner, other_user):
    api_token_create(user=owner, name="laptop")
    revoked, _ = api_token_create(user=owner, name="old")
    api_token_revoke(token=revoked)
    client = Client()
    client.force_login(staff)

    owner_row = client.get("/admin/auth/user/?q=owner").content
    other_row = client.get("/admin/auth/user/?q=other").content

    assert b'<td class="field-api_tokens">1</td>' in owner_row
    assert b'class="field-email_verified"><img src="/static/admin/img/icon-yes.svg"' in owner_row
    assert b'class="field-email_verified"><img src="/static/admin/img/icon-no.svg"' in other_row
    assert b'<td class="field-credits">0</td>' in other_row


def test_the_user_list_makes_no_query_per_user(staff, owner, django_assert_max_num_queries):
    client = Client()
    client.force_login(staff)
    with CaptureQueriesContext(connection) as with_two_users:
        client.get("/admin/auth/user/")
    for n in range(30):
        user = paying_user(UserFactory(username=f"listed{n}"), credits=n + 1)
        api_token_create(user=user, name="script")

    with django_assert_max_num_queries(len(with_two_users)):
        response = client.get("/admin/auth/user/")

    assert response.status_code == 200
    assert b'<td class="field-credits">30</td>' in response.content
    assert response.content.count(b'class="field-api_tokens">1<') == 30


def test_a_user_page_lists_their_tokens(staff, owner):
    api_token_create(user=owner, name="laptop")
    client = Client()
    client.force_login(staff)

    response = client.get(f"/admin/auth/user/{owner.id}/change/")

    assert response.status_code == 200
    assert b"laptop" in response.content


def test_staff_can_revoke_tokens_in_bulk(staff, owner):
    token, _ = api_token_create(user=owner, name="leaked")
    client = Client()
    client.force_login(staff)

    client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.id]})

    assert ApiToken.objects.get(id=token.id).revoked_at is not None
