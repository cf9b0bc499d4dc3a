from django.urls import path

from webapp.monitoring import metrics

urlpatterns = [
    path("metrics", metrics.metrics, name="metrics"),
]
