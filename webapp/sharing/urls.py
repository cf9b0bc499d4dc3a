"""Share-link routes, mounted at the site root: the owner's API and the public downloads."""

from django.urls import path

from webapp.sharing import apis

app_name = "sharing"
urlpatterns = [
    path("api/v1/jobs/<uuid:job_id>/share", apis.ShareLinkApi.as_view(), name="link"),
    path("s/<str:token>/stems/<str:name>", apis.SharedStemApi.as_view(), name="stem"),
    path("s/<str:token>/stems/<str:name>/peaks", apis.SharedPeaksApi.as_view(), name="peaks"),
    path("s/<str:token>/download.zip", apis.SharedZipApi.as_view(), name="zip"),
]
