from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from webapp.accounts import pages


def health(request: HttpRequest) -> JsonResponse:
    """Answer load balancers and compose health checks."""
    return JsonResponse({"status": "ok"})


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI under the site's Content-Security-Policy: its start-up script is served from
    its own URL and its page styles from a static file, so nothing on the page is inline."""

    template_name = "pages/api_docs.html"


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/signup/", pages.signup, name="signup"),
    path("accounts/verify-email/<str:token>/", pages.verify_email, name="verify-email"),
    path("accounts/login/", pages.ThrottledLoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/auth/", include("rest_framework.urls")),
    path("api/v1/", include("webapp.accounts.urls")),
    path("api/v1/", include("webapp.jobs.urls")),
    path("api/v1/", include("webapp.billing.urls")),
    path("api/v1/", include("webapp.feedback.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="docs"),
    path("healthz", health, name="health"),
    path("", include("webapp.monitoring.urls")),
    # The owner's share API (under api/v1/) and the public downloads under s/<token>/.
    path("", include("webapp.sharing.urls")),
    path("private/", include("webapp.private.urls")),
    path("", include("webapp.pages.urls")),
]
