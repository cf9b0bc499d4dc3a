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


@register.filter
def seconds(value: float | None) -> str:
    """Show a duration for people: 850 ms, 12.3 s, 4 min 5 s, 2 h 10 min."""
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 60:
        return f"{value:.1f} s"
    whole = int(value)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


@register.filter
def percent(fraction: float | None) -> str:
    """Show a rate between 0 and 1 as a percentage."""
    return "-" if fraction is None else f"{fraction * 100:.0f} %"
