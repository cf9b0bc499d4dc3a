"""Read typed settings from environment variables, failing loudly on bad values."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str = "") -> str:
    """Return the variable `name`, or `default` when it is unset."""
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    """Return the variable `name` read as a yes/no flag."""
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    """Return the variable `name` read as an integer of at least `minimum`."""
    return _envnumber(name, default, int, "an integer", minimum)


def envfloat(name: str, default: float, *, minimum: float | None = None) -> float:
    """Return the variable `name` read as a number of at least `minimum`."""
    return _envnumber(name, default, float, "a number", minimum)


def _envnumber(name, default, parse, kind: str, minimum):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = parse(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {kind}, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def envlist(name: str, default: str = "") -> list[str]:
    """Return the variable `name` split on commas, without blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envintmap(name: str, default: str = "", *, minimum: int | None = None) -> dict[str, int]:
    """Return the variable `name` read as `key=integer` pairs separated by commas."""
    result = {}
    for item in envlist(name, default):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ImproperlyConfigured(f"{name} must look like key=number,key=number.")
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {key.strip()} must be an integer.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}: {key.strip()} must be at least {minimum}.")
        result[key.strip()] = number
    return result


def envpacks(name: str, default: str) -> dict[str, dict[str, int]]:
    """Return credit packs from `id=credits:price_cents` pairs separated by commas."""
    packs = {}
    for item in envlist(name, default):
        key, sep, value = item.partition("=")
        credits, colon, price = value.partition(":")
        try:
            pack = {"credits": int(credits), "price": int(price)}
        except ValueError:
            pack = {}
        if not (sep and colon and key.strip() and pack and min(pack.values()) > 0):
            raise ImproperlyConfigured(
                f"{name} must look like starter=10:500 (id=credits:price in cents), not {item!r}."
            )
        packs[key.strip()] = pack
    if not packs:
        raise ImproperlyConfigured(f"{name} must define at least one pack.")
    return packs
