"""Template filters for how pages show money and lengths."""

from django import template

register = template.Library()


@register.filter
def money(minor_units: int, currency: str = "usd") -> str:
    """Show a price in the currency's minor unit (cents) as e.g. "25.00 USD"."""
    return f"{minor_units // 100}.{minor_units % 100:02d} {currency.upper()}"


@register.filter
def minutes(seconds: float | None) -> str:
    """Show a length in seconds as m:ss."""
    if seconds is None:
        return "-"
    whole = int(seconds)  # as the player shows it
    return f"{whole // 60}:{whole % 60:02d}"
