"""The feedback API: a user rates their job; staff read the summary."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.feedback import selectors, services
from webapp.feedback.serializers import (
    THUMBS,
    FeedbackInputSerializer,
    FeedbackOutputSerializer,
    FeedbackPatchInputSerializer,
    FeedbackSummaryOutputSerializer,
)
from webapp.jobs.selectors import job_for_user

ERRORS = {400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT}


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _thumbs(stems: dict | None) -> dict | None:
    """Turn "up"/"down" (null: none) into True/False/None."""
    if stems is None:
        return None
    return {name: None if thumb is None else THUMBS[thumb] for name, thumb in stems.items()}


class JobFeedbackApi(APIView):
    def _answer(self, request: Request, job_id, code: int = status.HTTP_200_OK) -> Response:
        feedback = selectors.feedback_for_user(user=request.user, job_id=job_id)
        return Response(FeedbackOutputSerializer(feedback).data, status=code)

    @extend_schema(responses=FeedbackOutputSerializer, summary="Your feedback on a job")
    def get(self, request: Request, job_id) -> Response:
        job = job_for_user(user=request.user, job_id=job_id)
        if selectors.feedback_for_user(user=request.user, job_id=job.id) is None:
            raise Http404("You have not rated this job yet.")
        return self._answer(request, job.id)

    @extend_schema(
        request=FeedbackInputSerializer,
        responses={200: FeedbackOutputSerializer, 201: FeedbackOutputSerializer, **ERRORS},
        summary="Rate a succeeded job 1-5, with a comment and a thumb per stem (replaces all)",
        description="Sets the whole feedback: a comment or stems that are not sent are "
        "cleared. 201 the first time, 200 after. Use PATCH to change one part.",
    )
    def put(self, request: Request, job_id) -> Response:
        job = job_for_user(user=request.user, job_id=job_id)
        data = _valid(FeedbackInputSerializer, request)
        _, created = services.feedback_replace(
            job=job,
            user=request.user,
            rating=data["rating"],
            comment=data["comment"],
            stems=_thumbs(data["stems"]),
        )
        return self._answer(
            request, job.id, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        request=FeedbackPatchInputSerializer,
        responses={200: FeedbackOutputSerializer, **ERRORS},
        summary="Change parts of your feedback on a job (the rest stays)",
        description="Only the fields sent change; in `stems`, the stems listed change and "
        "null removes a thumb. 404 when the job has no feedback of yours yet.",
    )
    def patch(self, request: Request, job_id) -> Response:
        job = job_for_user(user=request.user, job_id=job_id)
        data = _valid(FeedbackPatchInputSerializer, request)
        services.feedback_update(
            job=job,
            user=request.user,
            rating=data.get("rating"),
            comment=data.get("comment"),
            stems=_thumbs(data.get("stems")),
        )
        return self._answer(request, job.id)


class FeedbackSummaryApi(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        responses=FeedbackSummaryOutputSerializer,
        summary="Staff: ratings per model (average, count, recent comments) and thumbs per stem",
    )
    def get(self, request: Request) -> Response:
        return Response(FeedbackSummaryOutputSerializer(selectors.feedback_summary()).data)
