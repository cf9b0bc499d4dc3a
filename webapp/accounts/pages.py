"""Server-rendered account pages that Django's own auth views do not cover."""

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from webapp.accounts import services
from webapp.accounts.links import site_url
from webapp.accounts.throttles import auth_retry_after


class SignupForm(forms.Form):
    username = forms.CharField(max_length=150, help_text=services.USERNAME_HELP)
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Show the sign-up form; create the account, log in and send the verification link."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_signup(**form.cleaned_data, site_url=site_url(request))
        except services.SignupRefused as exc:
            for field, messages in exc.errors.items():
                for message in messages:
                    form.add_error(field, message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/signup.html", {"form": form})


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """Verify the address in an e-mailed link and say how it went."""
    try:
        user = services.email_verify(token=token)
    except services.VerificationFailed as exc:
        return render(request, "accounts/verify_email.html", {"error": str(exc)}, status=400)
    return render(request, "accounts/verify_email.html", {"verified_user": user})


class ThrottledLoginView(LoginView):
    """Django's log-in form, with each POST counted against the API's auth rate per IP."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        retry_after = auth_retry_after(request)
        if retry_after is not None:
            context = {"retry_after": retry_after}
            response = render(request, "registration/login_throttled.html", context, status=429)
            response["Retry-After"] = str(retry_after)
            return response
        return super().post(request, *args, **kwargs)
