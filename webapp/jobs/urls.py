from django.urls import path

from webapp.jobs import apis

app_name = "jobs"
urlpatterns = [
    path("jobs", apis.JobListCreateApi.as_view(), name="list"),
    path("previews", apis.PreviewAllowanceApi.as_view(), name="previews"),
    path("quote", apis.QuoteApi.as_view(), name="quote"),
    path("jobs/<uuid:job_id>", apis.JobDetailApi.as_view(), name="detail"),
    path("jobs/<uuid:job_id>/cancel", apis.JobCancelApi.as_view(), name="cancel"),
    path("jobs/<uuid:job_id>/stems/<str:name>", apis.StemDownloadApi.as_view(), name="stem"),
    path("jobs/<uuid:job_id>/stems/<str:name>/peaks", apis.StemPeaksApi.as_view(), name="peaks"),
    path("jobs/<uuid:job_id>/download.zip", apis.JobZipApi.as_view(), name="zip"),
    path("jobs/<uuid:job_id>/result.json", apis.JobResultJsonApi.as_view(), name="result-json"),
]
