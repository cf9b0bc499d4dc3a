"""The jobs REST API: one thin view per endpoint; the work happens in services and selectors."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from separation.errors import InvalidAudio, InvalidOptions
from webapp.billing.services import InsufficientCredits
from webapp.jobs import responses, selectors, services
from webapp.jobs.models import Job, Status
from webapp.jobs.serializers import JobCreateInputSerializer, JobOutputSerializer

CONTENT_TYPES = {"wav": "audio/wav", "flac": "audio/flac", "mp3": "audio/mpeg"}
AUDIO_RESPONSE = {(200, ct): OpenApiTypes.BINARY for ct in CONTENT_TYPES.values()}


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class TooManyPreviews(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_previews"


class JobPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


def _require_succeeded(job: Job) -> None:
    if job.status != Status.SUCCEEDED:
        raise Conflict(f"The job has no stems: it is {job.status}.")
    if job.purged_at is not None:
        raise Conflict("The stems of this job were deleted after the retention period.")


class JobListCreateApi(ListAPIView):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = JobOutputSerializer
    pagination_class = JobPagination

    def get_queryset(self):
        return selectors.jobs_for_user(user=self.request.user)

    @extend_schema(summary="List your jobs, newest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": JobCreateInputSerializer},
        responses={
            201: JobOutputSerializer,
            400: OpenApiTypes.OBJECT,
            402: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            429: OpenApiTypes.OBJECT,
        },
        summary="Upload a song (or reuse an earlier upload) and queue its separation",
        description="A full job costs credits (402 when the balance is short) and needs a "
        "verified e-mail address (403); a preview is free, up to a daily limit (429).",
    )
    def post(self, request: Request) -> Response:
        serializer = JobCreateInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            job = services.job_create(
                owner=request.user,
                upload=data.get("file"),
                source=data["source"],
                model=data["model"],
                target=data["target"],
                kind=data["kind"],
                preview_start=data.get("preview_start"),
            )
        except services.InvalidPreviewStart as exc:
            raise ValidationError({"preview_start": [str(exc)]}) from None
        except services.SourceGone as exc:
            raise ValidationError({"source_job": [str(exc)]}) from None
        except (InvalidAudio, InvalidOptions) as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        except services.EmailNotVerified as exc:
            raise PermissionDenied(str(exc)) from None
        except services.PreviewLimitReached as exc:
            raise TooManyPreviews(str(exc)) from None
        except InsufficientCredits as exc:
            body = {
                "detail": str(exc),
                "required": exc.required,
                "balance": exc.balance,
                "missing": exc.missing,
            }
            return Response(body, status=status.HTTP_402_PAYMENT_REQUIRED)
        body = JobOutputSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class JobDetailApi(APIView):
    @extend_schema(responses=JobOutputSerializer, summary="Status, progress and stems of a job")
    def get(self, request: Request, job_id) -> Response:
        job = selectors.job_for_user(user=request.user, job_id=job_id)
        return Response(JobOutputSerializer(job, context={"request": request}).data)

    @extend_schema(
        responses={204: None}, summary="Delete a job and its files (cancels it if running)"
    )
    def delete(self, request: Request, job_id) -> Response:
        job = selectors.job_for_user(user=request.user, job_id=job_id)
        services.job_delete(job=job)
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobCancelApi(APIView):
    @extend_schema(
        request=None, responses=JobOutputSerializer, summary="Cancel a queued or running job"
    )
    def post(self, request: Request, job_id) -> Response:
        job = selectors.job_for_user(user=request.user, job_id=job_id)
        try:
            job = services.job_cancel(job=job)
        except services.JobConflict as exc:
            raise Conflict(str(exc)) from None
        return Response(JobOutputSerializer(job, context={"request": request}).data)


class StemDownloadApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=list(CONTENT_TYPES), default="wav")],
        responses={**AUDIO_RESPONSE, 206: OpenApiTypes.BINARY},
        summary="Stream one stem (supports HTTP Range)",
    )
    def get(self, request: Request, job_id, name: str) -> HttpResponse:
        stem = selectors.stem_for_user(user=request.user, job_id=job_id, name=name)
        _require_succeeded(stem.job)
        fmt = request.query_params.get("format", stem.format)
        if fmt not in CONTENT_TYPES:
            raise ValidationError({"format": [f"Choose one of: {', '.join(CONTENT_TYPES)}."]})
        path = services.stem_file_name(stem=stem, fmt=fmt)
        storage = stem.file.storage
        return responses.ranged_response(
            request,
            storage.open(path, "rb"),
            size=storage.size(path),
            content_type=CONTENT_TYPES[fmt],
            filename=f"{name}.{fmt}",
        )


class JobZipApi(APIView):
    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY}, summary="All stems in one zip"
    )
    def get(self, request: Request, job_id) -> HttpResponse:
        job = selectors.job_for_user(user=request.user, job_id=job_id)
        _require_succeeded(job)
        members = (
            (f"{s.name}.{s.format}", s.file.storage.open(s.file.name, "rb"))
            for s in job.stems.all()
        )
        return responses.zip_response(members, filename=f"stems-{job.id}.zip")


class JobResultJsonApi(APIView):
    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        summary="{stem name: base64 of its WAV file}, the original service's contract",
    )
    def get(self, request: Request, job_id) -> HttpResponse:
        job = selectors.job_for_user(user=request.user, job_id=job_id)
        _require_succeeded(job)
        members = []
        for stem in job.stems.all():
            name = services.stem_file_name(stem=stem, fmt="wav")
            members.append((stem.name, stem.file.storage.open(name, "rb")))
        return responses.result_json_response(members)
