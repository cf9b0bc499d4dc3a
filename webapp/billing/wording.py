"""How amounts of credits read in messages: "1 credit", "2 credits"."""

from django.utils.translation import ngettext


def credits_text(count: int) -> str:
    """Return `count` with "credit" or "credits", so every message reads right for any amount."""
    return ngettext("%(count)d credit", "%(count)d credits", count) % {"count": count}


def more_credits_text(count: int) -> str:
    """Return "1 more credit" or "N more credits"."""
    return ngettext("%(count)d more credit", "%(count)d more credits", count) % {"count": count}
