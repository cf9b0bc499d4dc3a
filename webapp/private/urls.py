from django.urls import path

from webapp.private import views

app_name = "private"
urlpatterns = [
    path("", views.page, name="page"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("app/<path:name>", views.asset, name="asset"),
    path("model/manifest.json", views.manifest, name="manifest"),
    path("model/<str:name>", views.model_file, name="model"),
]
