"""Share links: the owner's API to make, see and revoke one, and the public downloads.

The public views take no credentials at all: the token in the path is the only key, and
it opens the stems of one job, read-only.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.jobs import responses, stem_files
from webapp.jobs.apis import FORMAT_PARAMETER, NO_STEMS, NOT_FOUND, STORED_FILE
from webapp.jobs.selectors import job_for_user
from webapp.sharing import selectors, services
from webapp.sharing.errors import NO_LINK, NoShareLink
from webapp.sharing.models import ShareLink
from webapp.sharing.serializers import ShareLinkOutputSerializer


def _answer(request: Request, link: ShareLink, code: int = status.HTTP_200_OK) -> Response:
    body = ShareLinkOutputSerializer(link, context={"request": request}).data
    return Response(body, status=code)


class ShareLinkApi(APIView):
    @extend_schema(
        responses={200: ShareLinkOutputSerializer, **NOT_FOUND},
        summary="Your job's share link (404 when it has none)",
    )
    def get(self, request: Request, job_id) -> Response:
        job = job_for_user(user=request.user, job_id=job_id)
        link = selectors.share_link_for_job(job=job)
        if link is None:
            raise NoShareLink(NO_LINK)
        return _answer(request, link)

    @extend_schema(
        request=None,
        responses={200: ShareLinkOutputSerializer, 201: ShareLinkOutputSerializer, **NO_STEMS},
        summary="Share a succeeded job: anyone with the link can play and download its stems",
        description="201 with a new link; 200 with the job's link when it already has one; "
        "409 when the job has not succeeded or its stems were deleted.",
    )
    def post(self, request: Request, job_id) -> Response:
        job = job_for_user(user=request.user, job_id=job_id)
        link, created = services.share_link_create(job=job)
        return _answer(request, link, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        responses={204: None, **NOT_FOUND},
        summary="Revoke the job's share link for good (a new POST makes a new one)",
    )
    def delete(self, request: Request, job_id) -> Response:
        job = job_for_user(user=request.user, job_id=job_id)
        services.share_link_revoke(job=job)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PublicApi(APIView):
    """No credentials read, none needed: the token in the path is the key."""

    authentication_classes = []
    permission_classes = [AllowAny]
    http_method_names = ["get", "head", "options"]


class SharedStemApi(PublicApi):
    @extend_schema(
        parameters=[FORMAT_PARAMETER],
        responses=STORED_FILE,
        auth=[],
        summary="A stem of a shared job, for anyone with the link: as the owner's download",
    )
    def get(self, request: Request, token: str, name: str) -> HttpResponse:
        stem = selectors.shared_stem(token=token, name=name)
        fmt = request.query_params.get("format", stem_files.DEFAULT_FORMAT)
        return responses.stem_response(request, stem, fmt=fmt)


class SharedPeaksApi(PublicApi):
    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT, 302: None, **NO_STEMS},
        auth=[],
        summary="A shared stem's waveform peaks, for anyone with the link: as the owner's",
    )
    def get(self, request: Request, token: str, name: str) -> HttpResponse:
        stem = selectors.shared_stem(token=token, name=name)
        return responses.peaks_response(request, stem)


class SharedZipApi(PublicApi):
    @extend_schema(
        parameters=[FORMAT_PARAMETER],
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            400: OpenApiTypes.OBJECT,
            **NO_STEMS,
        },
        auth=[],
        summary="All stems of a shared job in one zip, for anyone with the link",
    )
    def get(self, request: Request, token: str) -> HttpResponse:
        job = selectors.shared_job(token=token)
        fmt = request.query_params.get("format", stem_files.DEFAULT_FORMAT)
        return responses.stems_zip_response(job, fmt=fmt)
