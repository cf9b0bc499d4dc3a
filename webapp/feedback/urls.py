from django.urls import path

from webapp.feedback import apis

app_name = "feedback"
urlpatterns = [
    path("jobs/<uuid:job_id>/feedback", apis.JobFeedbackApi.as_view(), name="job"),
    path("staff/feedback", apis.FeedbackSummaryApi.as_view(), name="summary"),
]
