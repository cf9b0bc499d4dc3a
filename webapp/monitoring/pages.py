"""The staff operations page: health now, a window of activity, money, feedback, storage.

Every figure comes from webapp.monitoring.selectors; the page re-reads its body every
10 s (`?fragment=1`) so it stays live without reloading.
"""

from datetime import timedelta

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from webapp.monitoring import selectors
from webapp.monitoring.chart import throughput_chart

WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}
DEFAULT_WINDOW = "day"
MONEY_DAYS = 14


@require_GET
def ops(request: HttpRequest) -> HttpResponse:
    """Staff see the page; other users get 404, visitors the log-in page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_staff:
        raise Http404("There is nothing at this address.")
    key = request.GET.get("window", DEFAULT_WINDOW)
    if key not in WINDOWS:
        key = DEFAULT_WINDOW
    template = "monitoring/ops_body.html" if request.GET.get("fragment") else "monitoring/ops.html"
    return render(request, template, {"nav": "ops", "window": key, **ops_figures(key)})


def ops_figures(key: str) -> dict:
    """Read every figure of the page for the window named `key`, at one moment."""
    now, window = timezone.now(), WINDOWS[key]
    throughput = selectors.window_throughput(now, window)
    return {
        "now": now,
        "windows": list(WINDOWS),
        "live": selectors.now_state(now),
        "outcomes": selectors.window_outcomes(now, window),
        "chart": throughput_chart(throughput),
        "failures": selectors.window_failures(now, window),
        "timings": selectors.window_timings(now, window),
        "speeds": selectors.window_speed(now, window),
        "money": selectors.money(now, days=MONEY_DAYS),
        "feedback": selectors.feedback(now, window),
        "storage": selectors.storage(now),
    }
