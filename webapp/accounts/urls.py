from django.urls import path

from webapp.accounts import apis

app_name = "accounts"
urlpatterns = [
    path("auth/signup", apis.SignupApi.as_view(), name="signup"),
    path("auth/login", apis.LoginApi.as_view(), name="login"),
    path("auth/token", apis.TokenLoginApi.as_view(), name="token-login"),
    path("auth/logout", apis.LogoutApi.as_view(), name="logout"),
    path("auth/me", apis.MeApi.as_view(), name="me"),
    path("auth/password/change", apis.PasswordChangeApi.as_view(), name="password-change"),
    path("auth/password/reset", apis.PasswordResetApi.as_view(), name="password-reset"),
    path(
        "auth/password/reset/confirm",
        apis.PasswordResetConfirmApi.as_view(),
        name="password-reset-confirm",
    ),
    path("auth/email/verify", apis.EmailVerifyApi.as_view(), name="email-verify"),
    path("auth/email/send", apis.EmailVerificationSendApi.as_view(), name="email-send"),
    path("account", apis.AccountApi.as_view(), name="account"),
    path("tokens", apis.ApiTokenListCreateApi.as_view(), name="tokens"),
    path("tokens/<int:token_id>", apis.ApiTokenRevokeApi.as_view(), name="token"),
]
