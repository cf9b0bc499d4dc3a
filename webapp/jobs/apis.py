"""The jobs REST API: one thin view per endpoint; the work happens in services and selectors."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from separation import audio
from webapp import storage
from webapp.accounts.throttles import UploadThrottle
from webapp.jobs import pricing, responses, selectors, services, stem_files
from webapp.jobs.serializers import (
    JobCreateInputSerializer,
    JobOutputSerializer,
    PreviewAllowanceOutputSerializer,
    QuoteInputSerializer,
    QuoteOutputSerializer,
)

AUDIO_RESPONSE = {(200, ct): OpenApiTypes.BINARY for ct in audio.CONTENT_TYPES.values()}
# Error bodies are `{"detail": "..."}`, or `{"field": ["..."]}` for a field's fault.
NOT_FOUND = {404: OpenApiTypes.OBJECT}
NO_STEMS = {404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT}


class JobPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100


class JobListCreateApi(ListAPIView):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = JobOutputSerializer
    pagination_class = JobPagination
    throttle_classes = [UploadThrottle]

    def get_queryset(self):
        return selectors.jobs_page_for_user(user=self.request.user)

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
            409: OpenApiTypes.OBJECT,
            429: OpenApiTypes.OBJECT,
        },
        summary="Upload a song (or reuse an earlier upload) and queue its separation",
        description="A full job costs credits (402 when the balance is short; 409 when it "
        "costs more than `max_cost`) and needs a verified e-mail address (403); a preview is "
        "free, up to a daily limit (429).",
    )
    def post(self, request: Request) -> Response:
        serializer = JobCreateInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job = services.job_create(
            owner=request.user,
            upload=data.get("file"),
            source=data["source"],
            model=data["model"],
            target=data["target"],
            kind=data["kind"],
            preview_start=data.get("preview_start"),
            sample_rate=data["sample_rate"],
            max_cost=data.get("max_cost"),
        )
        body = JobOutputSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class JobDetailApi(APIView):
    @extend_schema(
        responses={200: JobOutputSerializer, **NOT_FOUND},
        summary="Status, progress and stems of a job",
    )
    def get(self, request: Request, job_id) -> Response:
        job = selectors.job_for_user(user=request.user, job_id=job_id)
        return Response(JobOutputSerializer(job, context={"request": request}).data)

    @extend_schema(
        responses={204: None, **NOT_FOUND},
        summary="Delete a job and its files (cancels it if running)",
    )
    def delete(self, request: Request, job_id) -> Response:
        job = selectors.job_for_user(user=request.user, job_id=job_id)
        services.job_delete(job=job)
        return Response(status=status.HTTP_204_NO_CONTENT)


class JobCancelApi(APIView):
    @extend_schema(
        request=None,
        responses={200: JobOutputSerializer, **NO_STEMS},
        summary="Cancel a queued or running job (409 when it is already over)",
    )
    def post(self, request: Request, job_id) -> Response:
        job = selectors.job_for_user(user=request.user, job_id=job_id)
        job = services.job_cancel(job=job)
        return Response(JobOutputSerializer(job, context={"request": request}).data)


FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=list(stem_files.STEM_FORMATS),
    default=stem_files.DEFAULT_FORMAT,
    description="wav (float), flac (24-bit), mp3 (320 kb/s) or listen (160 kb/s MP3, 44.1 kHz).",
)
STORED_FILE = {
    **AUDIO_RESPONSE,
    206: OpenApiTypes.BINARY,
    302: None,
    400: OpenApiTypes.OBJECT,
    416: None,
    **NO_STEMS,
}


class StemDownloadApi(APIView):
    @extend_schema(
        parameters=[FORMAT_PARAMETER],
        responses=STORED_FILE,
        summary="One stem as stored, in any format: streamed with HTTP Range, or (on S3) a "
        "302 to a signed URL; 409 while the job has no stems",
    )
    def get(self, request: Request, job_id, name: str) -> HttpResponse:
        stem = selectors.stem_for_user(user=request.user, job_id=job_id, name=name)
        fmt = request.query_params.get("format", stem_files.DEFAULT_FORMAT)
        return responses.stem_response(request, stem, fmt=fmt)


class StemPeaksApi(APIView):
    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT, 302: None, **NO_STEMS},
        summary="A stem's waveform peaks, in audiowaveform's JSON format (version 2); 409 for "
        "jobs separated before peaks were made",
    )
    def get(self, request: Request, job_id, name: str) -> HttpResponse:
        stem = selectors.stem_for_user(user=request.user, job_id=job_id, name=name)
        return responses.peaks_response(request, stem)


class JobZipApi(APIView):
    @extend_schema(
        parameters=[FORMAT_PARAMETER],
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            400: OpenApiTypes.OBJECT,
            **NO_STEMS,
        },
        summary="All stems in one zip, in one format; streamed as it is written",
    )
    def get(self, request: Request, job_id) -> HttpResponse:
        job = selectors.finished_job_for_user(user=request.user, job_id=job_id)
        fmt = request.query_params.get("format", stem_files.DEFAULT_FORMAT)
        return responses.stems_zip_response(job, fmt=fmt)


class JobResultJsonApi(APIView):
    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT, **NO_STEMS},
        summary="{stem name: base64 of its WAV file}, the original service's contract",
    )
    def get(self, request: Request, job_id) -> HttpResponse:
        job = selectors.finished_job_for_user(user=request.user, job_id=job_id)
        members = [
            (stem.name, storage.stored_chunks(stem_files.stem_file(stem=stem, fmt="wav").file.name))
            for stem in job.stems.all()
        ]
        return responses.result_json_response(members)


class QuoteApi(APIView):
    @extend_schema(
        parameters=[QuoteInputSerializer],
        responses={200: QuoteOutputSerializer, 400: OpenApiTypes.OBJECT},
        summary="The price of a full job before you confirm it: from the song's duration, or "
        "from an earlier job's upload",
    )
    def get(self, request: Request) -> Response:
        serializer = QuoteInputSerializer(data=request.query_params, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["source"] is not None:
            # The length job_create will charge for: the whole upload of that job.
            data["duration"] = services.job_source_duration(source=data["source"])
        quote = pricing.job_quote(user=request.user, model=data["model"], duration=data["duration"])
        return Response(QuoteOutputSerializer(quote).data)


class PreviewAllowanceApi(APIView):
    @extend_schema(
        responses=PreviewAllowanceOutputSerializer,
        summary="How many free previews you have left, and when the next one frees up",
    )
    def get(self, request: Request) -> Response:
        allowance = selectors.preview_allowance(user=request.user)
        return Response(PreviewAllowanceOutputSerializer(allowance).data)
