"""Settings helpers read the environment and fail loudly on bad values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from webapp.env import envbool, envfloat, envint, envlist


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
