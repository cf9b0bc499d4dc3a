"""Schemathesis: requests built from the served OpenAPI schema never get a server error.

Every operation is called in-process through the WSGI app, as a signed-in customer with a
token, on the real PostgreSQL database. Path parameters that name a job, a stem or a share
link point at the customer's own finished job, so the fuzzing reaches past the 404.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi import checks

from tests.factories import TEST_CLIENT_TOKEN, succeeded_job
from webapp.accounts.services import api_token_create
from webapp.sharing.services import share_link_create

# Loaded as the app serves it (the schema view reads no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

# Every default check (no 5xx, response bodies, content types and headers as documented,
# auth enforced, unsupported methods answered 405) except three the schema cannot carry:
# it lists the usual status codes, not every 400/404 of every route, and it cannot say
# that a file must be audio or that an unknown page number is a 404.
EXCLUDED_CHECKS = [
    checks.status_code_conformance,
    checks.positive_data_acceptance,
    checks.negative_data_rejection,
]


@pytest.fixture(autouse=True)
def in_process_app(db, settings):
    """Raise the limits so throttles do not hide the code; keep the test's transaction open."""
    settings.STEMWORKS_UPLOAD_THROTTLE_RATE = "100000/minute"
    settings.STEMWORKS_AUTH_THROTTLE_RATE = "100000/minute"
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = "whsec_fuzz"
    # As Django's test client does: the test's transaction outlives each request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def customer(owner, staff):
    """The owner's token key, a finished job of theirs (stems, peaks) and its share token;
    a staff member's key for the staff-only routes."""
    _, key = api_token_create(user=owner, name=TEST_CLIENT_TOKEN)
    _, staff_key = api_token_create(user=staff, name=TEST_CLIENT_TOKEN)
    job = succeeded_job(owner, formats=("wav", "mp3"), with_peaks=True)
    link, _ = share_link_create(job=job)
    return {
        "key": key,
        "staff_key": staff_key,
        "job_id": str(job.id),
        "name": "vocals",
        "token": link.token,
    }


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case, customer):
    for name in ("job_id", "name", "token"):
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = customer[name]
    key = customer["staff_key" if case.path.startswith("/api/v1/staff/") else "key"]
    case.call_and_validate(
        headers={"Authorization": f"Token {key}"}, excluded_checks=EXCLUDED_CHECKS
    )
