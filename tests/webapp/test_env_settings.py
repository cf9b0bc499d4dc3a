"""Settings helpers read the environment and fail loudly on bad values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from webapp.env import envbool, envfloat, envint, envintmap, envlist, envpacks


def test_envbool_reads_yes_and_no(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert envbool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "0")
    assert envbool("FLAG", True) is False
    monkeypatch.delenv("FLAG")
    assert envbool("FLAG", True) is True


def test_envbool_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        envbool("FLAG", False)


def test_envint_refuses_text_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="integer"):
        envint("N", 1)
    monkeypatch.setenv("N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        envint("N", 5, minimum=1)
    monkeypatch.setenv("N", "7")
    assert envint("N", 5, minimum=1) == 7


def test_envfloat_and_envlist(monkeypatch):
    monkeypatch.setenv("X", "2.5")
    monkeypatch.setenv("L", "a, b,,c")
    assert envfloat("X", 1.0) == 2.5
    assert envlist("L") == ["a", "b", "c"]
    monkeypatch.setenv("X", "fast")
    with pytest.raises(ImproperlyConfigured):
        envfloat("X", 1.0)


def test_envpacks_reads_credit_packs(monkeypatch):
    monkeypatch.setenv("PACKS", "small=10:500, big=100:4000")

    assert envpacks("PACKS", "") == {
        "small": {"credits": 10, "price": 500},
        "big": {"credits": 100, "price": 4000},
    }


@pytest.mark.parametrize("value", ["small=10", "small=ten:500", "small=0:500", "=10:500", ""])
def test_envpacks_refuses_a_malformed_pack(monkeypatch, value):
    monkeypatch.setenv("PACKS", value)

    with pytest.raises(ImproperlyConfigured, match="PACKS"):
        envpacks("PACKS", "")


def test_envintmap_reads_prices_per_model(monkeypatch):
    monkeypatch.setenv("PRICES", "htdemucs=2,unet-2stems=1")

    assert envintmap("PRICES", minimum=1) == {"htdemucs": 2, "unet-2stems": 1}
    monkeypatch.setenv("PRICES", "htdemucs=0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        envintmap("PRICES", minimum=1)
