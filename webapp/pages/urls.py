from django.urls import path

from webapp.pages import views

app_name = "pages"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("upload/", views.upload, name="upload"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("credits/", views.credits, name="credits"),
    path("account/", views.account, name="account"),
    path("s/<str:token>", views.shared_job, name="shared"),
]
