"""The pages people use in a browser: thin views over the same selectors and services as the API.

Pages only read; every action (upload, rate, delete, share, buy, tokens) goes through the
REST API from the page's JavaScript (static/stemworks/api.js), so both follow one set of rules.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from webapp.accounts.selectors import email_is_verified
from webapp.billing.models import Payment
from webapp.billing.selectors import (
    credit_packs,
    credits_balance,
    payments_for_user,
    transactions_for_user,
)
from webapp.jobs import selectors as job_selectors
from webapp.jobs.links import JobLinks
from webapp.jobs.pricing import job_cost
from webapp.pages import player
from webapp.pages.selectors import dashboard_jobs, job_feedback, model_choices
from webapp.sharing import selectors as sharing_selectors
from webapp.sharing.errors import InvalidShareLink
from webapp.sharing.links import SharedLinks

JOBS_PER_PAGE = 20
TRANSACTIONS_PER_PAGE = 25


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """What Stemworks does, for visitors; people who are logged in go to their dashboard."""
    if request.user.is_authenticated:
        return redirect("pages:dashboard")
    context = {
        "models": model_choices(),
        "packs": credit_packs(),
        "preview_seconds": int(settings.STEMWORKS_PREVIEW_SECONDS),
        "previews_per_day": settings.STEMWORKS_PREVIEWS_PER_DAY,
    }
    return render(request, "pages/landing.html", context)


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The user's jobs, newest first, a page at a time, searchable by file name."""
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(dashboard_jobs(user=request.user, search=query), JOBS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"nav": "dashboard", "page": page, "query": query, "jobs": page.object_list}
    return render(request, "pages/dashboard.html", context)


@require_GET
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """The upload form: file, model, target, preview or full (with its price before confirming)."""
    context = {
        "nav": "upload",
        "models": model_choices(),
        "allowance": job_selectors.preview_allowance(user=request.user),
        "preview_seconds": int(settings.STEMWORKS_PREVIEW_SECONDS),
        "max_upload_mb": settings.STEMWORKS_MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_minutes": int(settings.STEMWORKS_MAX_DURATION_S // 60),
        "verified": email_is_verified(user=request.user),
    }
    return render(request, "pages/upload.html", context)


@require_GET
@login_required
def job_detail(request: HttpRequest, job_id) -> HttpResponse:
    """One job: live progress, then the multitrack player, downloads, rating, sharing."""
    job = job_selectors.job_for_user(user=request.user, job_id=job_id)
    context = {
        "nav": "dashboard",
        "job": job,
        "player": player.player_data(job, JobLinks(None)) if player.playable(job) else None,
        "feedback": job_feedback(job=job, user=request.user),
        "full_cost": job_cost(
            duration=job.input_duration or job.duration, kind="full", model=job.model
        ),
        "balance": credits_balance(user=request.user),
        "verified": email_is_verified(user=request.user),
        "share": player.share_link(job=job, request=request),
    }
    return render(request, "pages/job.html", context)


@require_GET
@login_required
def credits(request: HttpRequest) -> HttpResponse:
    """Balance, packs to buy and the ledger; after Checkout, what happens next."""
    page = Paginator(
        transactions_for_user(user=request.user).select_related("job"), TRANSACTIONS_PER_PAGE
    ).get_page(request.GET.get("page"))
    context = {
        "nav": "credits",
        "packs": credit_packs(),
        "page": page,
        "checkout": request.GET.get("checkout", ""),
        "payment": _payment(request),
    }
    return render(request, "pages/credits.html", context)


def _payment(request: HttpRequest) -> Payment | None:
    """The payment a return from Stripe Checkout names, if it is the user's."""
    payment_id = request.GET.get("payment", "")
    if not payment_id.isdigit():
        return None
    return payments_for_user(user=request.user).filter(id=int(payment_id)).first()


@require_GET
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """E-mail verification, password change and named API tokens."""
    context = {
        "nav": "account",
        "verified": email_is_verified(user=request.user),
        "tokens": request.user.api_tokens.filter(revoked_at__isnull=True),
        "api_root": request.build_absolute_uri("/api/v1/"),
    }
    return render(request, "pages/account.html", context)


@require_GET
def shared_job(request: HttpRequest, token: str) -> HttpResponse:
    """A job's player and downloads for anyone with its share link: no other job, no actions."""
    try:
        job = sharing_selectors.shared_job(token=token)
    except InvalidShareLink as exc:
        raise Http404(str(exc)) from None
    context = {
        "job": job,
        "player": player.player_data(job, SharedLinks(None, token)),
    }
    return render(request, "pages/shared.html", context)
