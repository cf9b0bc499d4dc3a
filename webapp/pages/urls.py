from django.urls import path

from webapp.pages import views

app_name = "pages"
urlpatterns = [
    path("s/<str:token>", views.shared_job, name="shared"),
]
