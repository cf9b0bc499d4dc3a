"""The feedback API: a user rates their job; staff read the summary."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.feedback import selectors, services
from webapp.feedback.serializers import (
    THUMBS,
    FeedbackInputSerializer,
    FeedbackOutputSerializer,
    FeedbackSummaryOutputSerializer,
)
from webapp.jobs.apis import Conflict
from webapp.jobs.selectors import job_for_user


class JobFeedbackApi(APIView):
    @extend_schema(responses=FeedbackOutputSerializer, summary="Your feedback on a job")
    def get(self, request: Request, job_id) -> Response:
        job = job_for_user(user=request.user, job_id=job_id)
        feedback = selectors.feedback_for_user(user=request.user, job_id=job.id)
        if feedback is None:
            raise Http404("You have not rated this job yet.")
        return Response(FeedbackOutputSerializer(feedback).data)

    @extend_schema(
        request=FeedbackInputSerializer,
        responses={200: FeedbackOutputSerializer, 201: FeedbackOutputSerializer},
        summary="Rate a succeeded job 1-5, with a comment and a thumb per stem (editable)",
    )
    def put(self, request: Request, job_id) -> Response:
        job = job_for_user(user=request.user, job_id=job_id)
        serializer = FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        stems = data.get("stems")
        try:
            feedback, created = services.feedback_save(
                job=job,
                user=request.user,
                rating=data["rating"],
                comment=data["comment"],
                stems=None if stems is None else {k: THUMBS[v] for k, v in stems.items()},
            )
        except services.FeedbackRefused as exc:
            if exc.field == "job":
                raise Conflict(str(exc)) from None
            raise ValidationError({exc.field: [str(exc)]}) from None
        feedback = selectors.feedback_for_user(user=request.user, job_id=job.id)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(FeedbackOutputSerializer(feedback).data, status=code)


class FeedbackSummaryApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        responses=FeedbackSummaryOutputSerializer,
        summary="Staff: ratings per model (average, count, recent comments) and thumbs per stem",
    )
    def get(self, request: Request) -> Response:
        return Response(FeedbackSummaryOutputSerializer(selectors.feedback_summary()).data)
