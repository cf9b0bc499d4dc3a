"""Values every page's header shows."""

from django.http import HttpRequest

from webapp.billing.selectors import credits_balance


def header(request: HttpRequest) -> dict:
    """The logged-in user's credit balance, lazily: pages that never show it pay nothing."""
    if not request.user.is_authenticated:
        return {}
    return {"header_balance": lambda: credits_balance(user=request.user)}
