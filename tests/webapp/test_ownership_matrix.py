"""Every route, walked from webapp.urls: nobody but the owner reaches the owner's data.

Another user, an anonymous visitor and a revoked API token each get 404, 401 (API) or the
log-in page (302, HTML pages), and no refusal names the owner's job, file or e-mail. A new
route fails `test_every_route_has_a_case` until it is added to ROUTES or PUBLIC below.
"""

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLResolver
from rest_framework.test import APIClient

from tests.factories import succeeded_job
from webapp.accounts.services import api_token_create, api_token_revoke
from webapp.sharing.services import share_link_create, share_link_revoke

SECRET_NAME = "owners-secret-demo.wav"
ANY_SUCCESS = {200, 202, 204, 302, 409}

# Routes anyone may call by design: no owner's data behind them (the app's own guards apply).
PUBLIC = {
    "": "landing page",
    "healthz": "health check",
    "api/schema/": "OpenAPI schema",
    "api/docs/": "API documentation",
    "accounts/signup/": "sign-up form",
    "accounts/verify-email/<str:token>/": "e-mailed link: the token is the credential",
    "accounts/login/": "log-in form",
    "accounts/logout/": "log-out",
    "accounts/password_reset/": "reset form",
    "accounts/password_reset/done/": "static page",
    "accounts/reset/<uidb64>/<token>/": "e-mailed link: the token is the credential",
    "accounts/reset/done/": "static page",
    "api/auth/login/": "browsable API log-in",
    "api/auth/logout/": "browsable API log-out",
    "api/v1/auth/signup": "sign-up",
    "api/v1/auth/login": "log-in",
    "api/v1/auth/token": "log-in for a token",
    "api/v1/auth/password/reset": "reset e-mail (202 whoever asks)",
    "api/v1/auth/password/reset/confirm": "e-mailed token is the credential",
    "api/v1/auth/email/verify": "e-mailed token is the credential",
    "api/v1/stripe/webhook": "Stripe, checked by signature",
    "private/": "private mode: separates in the visitor's browser, for anyone",
    "private/sw.js": "private mode's service worker",
    "private/app/<path:name>": "private mode's worker scripts and onnxruntime-web",
    "private/model/manifest.json": "private mode's model manifest",
    "private/model/<str:name>": "private mode's ONNX model",
}

API = {"anonymous": {401}, "revoked": {401}}
PAGE = {"anonymous": {302}, "revoked": {302}}


@dataclass(frozen=True)
class Case:
    """How to call a route and what each caller gets; None skips that caller."""

    method: str
    owner: set[int] | None
    other: set[int] | None
    anonymous: set[int]
    revoked: set[int]
    data: dict = field(default_factory=dict)


def owned(method: str = "get", owner: set[int] = frozenset({200}), **data) -> Case:
    """An API route naming one of the owner's objects: others get 404, visitors 401."""
    return Case(method, set(owner), {404}, **API, data=data)


def own_account(method: str = "get") -> Case:
    """An API route about the caller's own account: another user sees only their own."""
    other = {200} if method == "get" else None
    return Case(method, {200} if method == "get" else None, other, **API)


ROUTES: dict[str, Case] = {
    # The owner's objects, named in the path.
    "api/v1/jobs/<uuid:job_id>": owned(),
    "api/v1/jobs/<uuid:job_id>/cancel": owned("post", owner={409}),
    "api/v1/jobs/<uuid:job_id>/stems/<str:name>": owned(),
    "api/v1/jobs/<uuid:job_id>/stems/<str:name>/peaks": owned(),
    "api/v1/jobs/<uuid:job_id>/download.zip": owned(owner=ANY_SUCCESS),
    "api/v1/jobs/<uuid:job_id>/result.json": owned(),
    "api/v1/jobs/<uuid:job_id>/feedback": owned("put", owner={200, 201}, rating=5),
    "api/v1/jobs/<uuid:job_id>/share": owned(),
    "api/v1/tokens/<int:token_id>": owned("delete", owner={204}),
    "jobs/<uuid:job_id>/": Case("get", {200}, {404}, **PAGE),
    # The caller's own account and lists, scoped by owner.
    "api/v1/jobs": own_account(),
    "api/v1/tokens": own_account(),
    "api/v1/credits": own_account(),
    "api/v1/credits/transactions": own_account(),
    "api/v1/payments": own_account(),
    "api/v1/previews": own_account(),
    "api/v1/quote": Case("get", None, None, **API),
    "api/v1/checkout": own_account("post"),
    "api/v1/auth/me": own_account(),
    "api/v1/auth/logout": own_account("post"),
    "api/v1/auth/password/change": own_account("post"),
    "api/v1/auth/email/send": own_account("post"),
    # Deleting an account needs its password: without one, 400 and nothing happens.
    "api/v1/account": Case("delete", {400}, {400}, **API),
    "dashboard/": Case("get", {200}, {200}, **PAGE),
    "upload/": Case("get", {200}, {200}, **PAGE),
    "credits/": Case("get", {200}, {200}, **PAGE),
    "account/": Case("get", {200}, {200}, **PAGE),
    "accounts/password_change/": Case("get", {200}, {200}, **PAGE),
    "accounts/password_change/done/": Case("get", {200}, {200}, **PAGE),
    # Staff only; the owner is not staff. Recorded as they behave today.
    "api/v1/staff/feedback": Case("get", {403}, {403}, **API),
    "staff/ops/": Case("get", {404}, {404}, **PAGE),
    "metrics": Case("get", {404}, {404}, anonymous={404}, revoked={404}),
    # Share links: the token is the credential; anyone holding a live one may read.
    "s/<str:token>": Case("get", {200}, {200}, anonymous={200}, revoked={200}),
    "s/<str:token>/stems/<str:name>": Case("get", {200}, {200}, anonymous={200}, revoked={200}),
    "s/<str:token>/stems/<str:name>/peaks": Case(
        "get", {200}, {200}, anonymous={200}, revoked={200}
    ),
    "s/<str:token>/download.zip": Case(
        "get", ANY_SUCCESS, ANY_SUCCESS, anonymous=ANY_SUCCESS, revoked=ANY_SUCCESS
    ),
}
SHARED = [route for route in ROUTES if route.startswith("s/")]


def site_routes(patterns=None, prefix: str = "") -> set[str]:
    """Return every route of webapp.urls as its pattern text, the admin's left out."""
    routes = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if text != "admin/":
                routes |= site_routes(pattern.url_patterns, text)
        else:
            routes.add(text)
    return routes


def test_every_route_has_a_case():
    assert site_routes() == set(ROUTES) | set(PUBLIC)


@dataclass
class World:
    job: object
    share: str
    spare_token_id: int
    clients: dict
    secrets: list[str]


@pytest.fixture
def world(owner, other_user) -> World:
    """The owner's finished, shared job and tokens; a client for each kind of caller."""
    job = succeeded_job(owner, with_peaks=True)
    job.original_name = SECRET_NAME
    job.save(update_fields=["original_name"])
    link, _ = share_link_create(job=job)
    spare, _ = api_token_create(user=owner, name="spare")
    revoked, revoked_key = api_token_create(user=owner, name="old laptop")
    api_token_revoke(token=revoked)
    clients = {
        "owner": _client(owner, api_token_create(user=owner, name="live")[1]),
        "other": _client(other_user, api_token_create(user=other_user, name="live")[1]),
        "anonymous": APIClient(),
        "revoked": APIClient(HTTP_AUTHORIZATION=f"Token {revoked_key}"),
    }
    secrets = [str(job.id), SECRET_NAME, owner.email, link.token]
    return World(job, link.token, spare.id, clients, secrets)


def _client(user, key: str) -> APIClient:
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    client.force_login(user)
    return client


def url_for(route: str, world: World) -> str:
    """Fill a route's arguments with the owner's objects."""
    filled = (
        route.replace("<uuid:job_id>", str(world.job.id))
        .replace("<str:name>", "vocals")
        .replace("<int:token_id>", str(world.spare_token_id))
        .replace("<str:token>", world.share)
    )
    return "/" + filled


def call(client: Client, case: Case, url: str):
    return getattr(client, case.method)(url, case.data, format="json")


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_no_secrets(response, world: World, who: str) -> None:
    # A redirect's Location (the log-in page's ?next=) repeats only what the caller typed.
    text = body_of(response)
    leaked = [secret for secret in world.secrets if secret in text]
    assert not leaked, f"{who} got {leaked} in {text[:300]!r}"


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_only_the_owner_reaches_the_owners_data(route, world, enqueued_nothing):
    case = ROUTES[route]
    url = url_for(route, world)
    for who in ("other", "anonymous", "revoked"):
        expected = getattr(case, who)
        if expected is None:
            continue
        response = call(world.clients[who], case, url)
        assert response.status_code in expected, f"{who}: {response.status_code}"
        if not route.startswith("s/"):
            assert_no_secrets(response, world, who)
    if case.owner is not None:
        response = call(world.clients["owner"], case, url)
        assert response.status_code in case.owner, f"owner: {response.status_code}"


@pytest.mark.parametrize("route", SHARED)
def test_a_revoked_share_link_gives_404_and_nothing_of_the_job(route, world):
    share_link_revoke(job=world.job)
    url = url_for(route, world)

    for who in ("owner", "other", "anonymous"):
        response = world.clients[who].get(url)

        assert response.status_code == 404, who
        assert_no_secrets(response, world, who)


@pytest.mark.parametrize("route", ["api/v1/jobs", "dashboard/"])
def test_lists_show_the_owners_jobs_to_the_owner_only(route, world):
    url = url_for(route, world)

    assert str(world.job.id) in body_of(world.clients["owner"].get(url))
    assert str(world.job.id) not in body_of(world.clients["other"].get(url))


@pytest.fixture
def enqueued_nothing(monkeypatch):
    """Keep zip builds and other tasks off the broker."""
    monkeypatch.setattr("workers.queue.enqueue_separation", lambda **kw: None)
