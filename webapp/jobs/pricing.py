"""What a job costs in credits, and the quote a user sees before confirming one."""

import math
from dataclasses import dataclass

from django.conf import settings

from separation import catalog
from webapp.billing.selectors import credits_balance
from webapp.jobs.models import Kind


def credits_per_minute(model: str) -> int:
    """Return the credits a full job with `model` costs per started minute."""
    return settings.STEMWORKS_MODEL_CREDITS_PER_MINUTE.get(
        model, settings.STEMWORKS_CREDITS_PER_MINUTE
    )


def job_cost(*, duration: float, kind: str, model: str = catalog.DEFAULT_MODEL) -> int:
    """Return the credits a job costs: previews are free, full jobs pay per started minute."""
    if kind == Kind.PREVIEW:
        return 0
    return credits_per_minute(model) * max(1, math.ceil(duration / 60))


@dataclass(frozen=True)
class Quote:
    """What a full job would cost the user, and whether their balance covers it."""

    model: str
    duration: float
    cost: int
    credits_per_minute: int
    balance: int

    @property
    def enough(self) -> bool:
        return self.balance >= self.cost


def job_quote(*, user, model: str, duration: float) -> Quote:
    """Price a full job of `duration` seconds with `model`, as job_create will charge it."""
    return Quote(
        model=model,
        duration=duration,
        cost=job_cost(duration=duration, kind=Kind.FULL, model=model),
        credits_per_minute=credits_per_minute(model),
        balance=credits_balance(user=user),
    )
