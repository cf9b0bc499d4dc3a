"""Staff manage users and their API tokens in the admin."""

import pytest
from django.test import Client

from webapp.accounts.models import ApiToken
from webapp.accounts.services import api_token_create


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
