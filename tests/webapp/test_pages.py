"""The server-rendered pages: what each shows, to whom; no page leaks another user's data."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import JobFactory, UserFactory, charged_job, paying_user, succeeded_job
from webapp.billing.models import Payment, PaymentStatus
from webapp.billing.services import credits_refund
from webapp.jobs.models import Kind, Status
from webapp.sharing.services import share_link_create, share_link_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def text(response) -> str:
    return response.content.decode()


def test_visitors_get_the_landing_page_with_models_previews_and_packs(client, settings):
    settings.STEMWORKS_CREDIT_PACKS = {"starter": {"credits": 10, "price": 500}}
    settings.STEMWORKS_CURRENCY = "eur"
    page = text(client.get("/"))
    assert "unet-2stems" in page and "htdemucs" in page
    assert "10 credits" in page and "5.00 EUR" in page
    assert 'href="/accounts/signup/"' in page and 'href="/accounts/login/"' in page


def test_a_logged_in_user_lands_on_the_dashboard(owner_client):
    response = owner_client.get("/")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


@pytest.mark.parametrize("path", ["/dashboard/", "/upload/", "/credits/", "/account/"])
def test_pages_of_a_user_send_visitors_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_logging_in_comes_back_to_the_dashboard(client, owner):
    response = client.post(
        "/accounts/login/",
        {"username": "owner", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_the_dashboard_lists_only_the_users_jobs_newest_first_with_balance(owner_client, owner):
    old = JobFactory(owner=owner, original_name="old-song.wav")
    new = JobFactory(owner=owner, original_name="new-song.wav", status=Status.RUNNING, progress=42)
    JobFactory(owner=UserFactory(), original_name="someone-elses.wav")
    page = text(owner_client.get("/dashboard/"))
    assert page.index("new-song.wav") < page.index("old-song.wav")
    assert "someone-elses.wav" not in page
    assert f'data-job="{new.id}"' in page and f'data-job="{old.id}"' in page
    assert 'max="100" value="42"' in page
    assert "<b data-balance>100</b>" in page


def test_the_dashboard_searches_file_names_and_pages(owner_client, owner):
    for n in range(25):
        JobFactory(owner=owner, original_name=f"take-{n:02d}.wav")
    JobFactory(owner=owner, original_name="Bassline Demo.flac")
    found = text(owner_client.get("/dashboard/?q=bassline"))
    assert "Bassline Demo.flac" in found and "take-" not in found
    first = text(owner_client.get("/dashboard/"))
    second = text(owner_client.get("/dashboard/?page=2"))
    assert "Page 1 of 2" in first and first.count('data-job="') == 20
    assert second.count('data-job="') == 6


def test_the_dashboard_costs_the_same_queries_for_5_or_50_jobs(
    owner_client, owner, django_assert_max_num_queries
):
    for _ in range(50):
        JobFactory(owner=owner)
    # session, user, count, page of jobs, balance: never one per row.
    with django_assert_max_num_queries(5):
        assert owner_client.get("/dashboard/").status_code == 200


def test_another_users_job_page_is_404(owner_client):
    job = JobFactory(owner=UserFactory())
    assert owner_client.get(f"/jobs/{job.id}/").status_code == 404


def test_a_finished_job_page_has_the_player_downloads_and_zip(owner_client, owner):
    job = succeeded_job(owner, formats=("wav", "flac", "mp3", "listen"), with_peaks=True)
    page = text(owner_client.get(f"/jobs/{job.id}/"))
    stem = f"/api/v1/jobs/{job.id}/stems/vocals"
    assert f'src="{stem}?format=listen"' in page
    assert f'data-peaks="{stem}/peaks"' in page
    for fmt in ("wav", "flac", "mp3"):
        assert f'href="{stem}?format={fmt}"' in page
        assert f'href="/api/v1/jobs/{job.id}/download.zip?format={fmt}"' in page
    assert 'aria-label="Solo accompaniment"' in page and 'aria-label="Volume of vocals"' in page
    # Never a float WAV for listening.
    assert f'src="{stem}?format=wav"' not in page


def test_a_failed_job_page_gives_the_reason_and_says_the_credits_came_back(owner_client, owner):
    job = charged_job(owner, cost=3, status=Status.FAILED, error="The file is not audio.")
    credits_refund(job_id=job.id, reason="Refund: the job failed.")
    page = text(owner_client.get(f"/jobs/{job.id}/"))
    assert "The file is not audio." in page
    assert "The 3 credits it cost came back to your balance." in page


def test_a_preview_page_offers_the_full_song_at_its_price(owner_client, owner, settings):
    settings.STEMWORKS_CREDITS_PER_MINUTE = 2
    job = succeeded_job(owner, formats=("wav", "listen"))
    job.kind, job.duration, job.input_duration = Kind.PREVIEW, 30.0, 150.0
    job.save()
    page = text(owner_client.get(f"/jobs/{job.id}/"))
    assert "Separate the full song for 6 credits" in page
    assert f'data-source="{job.id}" data-cost="6"' in page


def test_a_preview_page_sends_a_short_balance_to_buy_credits(client, settings):
    poor = paying_user(UserFactory(username="poor"), credits=1)
    client.force_login(poor)
    job = succeeded_job(poor, formats=("wav", "listen"))
    job.kind, job.input_duration = Kind.PREVIEW, 600.0
    job.save()
    page = text(client.get(f"/jobs/{job.id}/"))
    assert "You need 10 credits and have 1." in page
    assert "Separate the full song for" not in page


def test_the_job_page_shows_the_active_share_link_only(owner_client, owner):
    job = succeeded_job(owner, formats=("wav", "listen"))
    assert "Create a share link" in text(owner_client.get(f"/jobs/{job.id}/"))
    link, _ = share_link_create(job=job)
    assert f"/s/{link.token}" in text(owner_client.get(f"/jobs/{job.id}/"))
    share_link_revoke(job=job)
    assert link.token not in text(owner_client.get(f"/jobs/{job.id}/"))


def test_a_shared_job_plays_for_anyone_with_the_link_and_nothing_else(client, owner):
    job = succeeded_job(owner, formats=("wav", "mp3", "listen"), with_peaks=True)
    link, _ = share_link_create(job=job)
    page = text(client.get(f"/s/{link.token}"))
    assert f'src="/s/{link.token}/stems/vocals?format=listen"' in page
    assert f'href="/s/{link.token}/download.zip?format=mp3"' in page
    # No owner's API links, no rating, no delete.
    assert f"/api/v1/jobs/{job.id}" not in page
    assert "Rate this separation" not in page and "Delete job" not in page
    share_link_revoke(job=job)
    assert client.get(f"/s/{link.token}").status_code == 404
    assert client.get("/s/not-a-token").status_code == 404


def test_the_credits_page_shows_the_ledger_with_jobs_and_only_the_users_rows(owner_client, owner):
    job = charged_job(owner, cost=4, original_name="ledger-song.wav")
    rich = paying_user(UserFactory(username="rich"), credits=50)
    charged_job(rich, cost=7, original_name="not-yours.wav")
    page = text(owner_client.get("/credits/"))
    assert f'href="/jobs/{job.id}/"' in page and "ledger-song.wav" in page
    assert "-4" in page and "+100" in page
    assert "not-yours.wav" not in page


def test_after_checkout_the_credits_page_says_what_happens_next(owner_client, owner):
    payment = Payment.objects.create(user=owner, pack="starter", credits=10, amount=500,
                                     currency="usd", status=PaymentStatus.OPEN)  # fmt: skip
    waiting = text(owner_client.get(f"/credits/?checkout=success&payment={payment.id}"))
    assert "They arrive as soon as Stripe confirms it" in waiting
    Payment.objects.filter(id=payment.id).update(status=PaymentStatus.PAID, paid_at=timezone.now())
    paid = text(owner_client.get(f"/credits/?checkout=success&payment={payment.id}"))
    assert "Payment confirmed:" in paid and "10 credits were added" in paid
    cancelled = text(owner_client.get(f"/credits/?checkout=cancelled&payment={payment.id}"))
    assert "nothing was charged" in cancelled


def test_another_users_payment_is_not_shown_after_checkout(owner_client):
    theirs = Payment.objects.create(user=UserFactory(), pack="studio", credits=300, amount=9900,
                                    currency="usd", status=PaymentStatus.PAID)  # fmt: skip
    page = text(owner_client.get(f"/credits/?checkout=success&payment={theirs.id}"))
    assert 'id="checkout-notice" data-payment=""' in page
    assert "credits were added" not in page


def test_the_account_page_shows_verification_and_live_tokens(client):
    user = UserFactory(username="fresh")
    client.force_login(user)
    page = text(client.get("/account/"))
    assert "not verified" in page and "Send a new link" in page
    paying_user(user)
    assert "Send a new link" not in text(client.get("/account/"))


def test_every_page_is_one_site_with_the_header(owner_client, owner):
    job = succeeded_job(owner, formats=("wav", "listen"))
    for path in ("/dashboard/", "/upload/", f"/jobs/{job.id}/", "/credits/", "/account/"):
        page = text(owner_client.get(path))
        assert 'href="/static/stemworks/site.css"' in page, path
        assert 'name="viewport"' in page and "Log out" in page, path
        assert "http://" not in page.replace("http://testserver", ""), path


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"]
)
def test_visitor_pages_share_the_sites_look(client, path):
    page = text(client.get(path))
    assert 'href="/static/stemworks/site.css"' in page
    assert "Log in" in page and "Sign up" in page
