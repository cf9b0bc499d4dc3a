"""Values every page's header shows."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from webapp.billing.selectors import credits_balance


def header(request: HttpRequest) -> dict:
    """The logged-in user's credit balance, read once and only by pages that show it."""
    if not request.user.is_authenticated:
        return {}
    return {"header_balance": SimpleLazyObject(lambda: credits_balance(user=request.user))}
