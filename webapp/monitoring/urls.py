from django.urls import path

from webapp.monitoring import metrics, pages

app_name = "monitoring"
urlpatterns = [
    path("metrics", metrics.metrics, name="metrics"),
    path("staff/ops/", pages.ops, name="ops"),
]
