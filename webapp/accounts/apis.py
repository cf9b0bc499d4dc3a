"""The accounts API: sign-up, log-in (session or token) and -out, passwords, e-mail, tokens."""

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.accounts import deletion, selectors, services
from webapp.accounts.links import site_url
from webapp.accounts.serializers import (
    AccountDeleteInputSerializer,
    ApiTokenCreatedOutputSerializer,
    ApiTokenInputSerializer,
    ApiTokenOutputSerializer,
    EmailVerifyInputSerializer,
    LoginInputSerializer,
    PasswordChangeInputSerializer,
    PasswordResetConfirmInputSerializer,
    PasswordResetInputSerializer,
    SignupInputSerializer,
    TokenLoginInputSerializer,
    UserOutputSerializer,
)
from webapp.accounts.throttles import AuthThrottle, PasswordCheckThrottle


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SignupApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=SignupInputSerializer,
        responses={201: UserOutputSerializer},
        summary="Create an account; a link to verify the e-mail address is sent",
    )
    def post(self, request: Request) -> Response:
        data = _valid(SignupInputSerializer, request)
        user = services.user_signup(**data, site_url=site_url(request))
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=LoginInputSerializer,
        responses=UserOutputSerializer,
        summary="Log in with a session cookie (browsers)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(LoginInputSerializer, request)
        user = authenticate(request._request, **data)
        if user is None:
            raise ValidationError({"detail": ["Wrong username or password."]})
        login(request._request, user)
        return Response(UserOutputSerializer(user).data)


class TokenLoginApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=TokenLoginInputSerializer,
        responses={201: ApiTokenCreatedOutputSerializer, 400: OpenApiTypes.OBJECT},
        summary="Trade a username and password for a new named API token (scripts)",
        description="Each call creates a token (listed and revoked under /api/v1/tokens); "
        "its key is shown only in this answer.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(TokenLoginInputSerializer, request)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise ValidationError({"detail": ["Wrong username or password."]})
        token, key = services.api_token_create(user=user, name=data["name"])
        token.key = key
        body = ApiTokenCreatedOutputSerializer(token).data
        return Response(body, status=status.HTTP_201_CREATED)


class LogoutApi(APIView):
    @extend_schema(request=None, responses={204: None}, summary="End the session")
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses=UserOutputSerializer, summary="Who you are")
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)


class PasswordChangeApi(APIView):
    throttle_classes = [PasswordCheckThrottle]

    @extend_schema(
        request=PasswordChangeInputSerializer,
        responses={204: None},
        summary="Change your password",
    )
    def post(self, request: Request) -> Response:
        data = _valid(PasswordChangeInputSerializer, request)
        services.password_change(user=request.user, **data)
        # Keep this browser logged in; other sessions end with the old password.
        update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=PasswordResetInputSerializer,
        responses={202: None},
        summary="E-mail a password reset link (the answer is the same for unknown addresses)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(PasswordResetInputSerializer, request)
        services.password_reset_send(**data, site_url=site_url(request))
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=PasswordResetConfirmInputSerializer,
        responses={204: None},
        summary="Set a new password with the uid and token of a reset link",
    )
    def post(self, request: Request) -> Response:
        services.password_reset_confirm(**_valid(PasswordResetConfirmInputSerializer, request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=EmailVerifyInputSerializer,
        responses=UserOutputSerializer,
        summary="Verify an e-mail address with the token from the e-mailed link",
    )
    def post(self, request: Request) -> Response:
        user = services.email_verify(**_valid(EmailVerifyInputSerializer, request))
        return Response(UserOutputSerializer(user).data)


class EmailVerificationSendApi(APIView):
    @extend_schema(
        request=None,
        responses={202: None, 400: OpenApiTypes.OBJECT},
        summary="Send a new e-mail verification link",
    )
    def post(self, request: Request) -> Response:
        if not request.user.email:
            raise ValidationError({"email": ["Your account has no e-mail address."]})
        services.email_verification_send(user=request.user, site_url=site_url(request))
        return Response(status=status.HTTP_202_ACCEPTED)


class ApiTokenListCreateApi(ListAPIView):
    serializer_class = ApiTokenOutputSerializer

    def get_queryset(self):
        return selectors.api_tokens_for_user(user=self.request.user)

    @extend_schema(summary="Your API tokens that still work (without their keys)")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ApiTokenInputSerializer,
        responses={201: ApiTokenCreatedOutputSerializer},
        summary="Create a named API token; its key is shown only in this answer",
    )
    def post(self, request: Request) -> Response:
        token, key = services.api_token_create(
            user=request.user, **_valid(ApiTokenInputSerializer, request)
        )
        token.key = key
        body = ApiTokenCreatedOutputSerializer(token).data
        return Response(body, status=status.HTTP_201_CREATED)


class ApiTokenRevokeApi(APIView):
    @extend_schema(responses={204: None}, summary="Revoke one of your API tokens")
    def delete(self, request: Request, token_id: int) -> Response:
        token = selectors.api_token_for_user(user=request.user, token_id=token_id)
        services.api_token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountApi(APIView):
    throttle_classes = [PasswordCheckThrottle]

    @extend_schema(
        request=AccountDeleteInputSerializer,
        responses={204: None, 400: OpenApiTypes.OBJECT},
        summary="Delete your account, with your current password",
        description="Deletes your jobs (a running one is cancelled first) with their uploads, "
        "stems, ratings and share links, your API tokens, sessions and e-mail address. "
        "Ledger rows and payments stay for the accounts, without your name. A wrong "
        "password answers 400; a token alone is not enough.",
    )
    def delete(self, request: Request) -> Response:
        data = _valid(AccountDeleteInputSerializer, request)
        deletion.account_delete(user=request.user, password=data["password"])
        if request.auth is None:  # a browser's session: end it and say so on the next page
            logout(request._request)
            messages.success(
                request._request,
                "Your account is deleted: your songs, stems and tokens are gone. "
                "Thank you for using Stemworks.",
            )
        return Response(status=status.HTTP_204_NO_CONTENT)
