"""Read-only share links: an unguessable token that opens one finished job to anyone."""

import secrets

from django.db import models
from django.db.models import Q

# 32 random bytes: 43 URL-safe characters, far beyond guessing.
TOKEN_BYTES = 32


def new_token() -> str:
    """Return a fresh, unguessable share token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class ShareLink(models.Model):
    """A job's share link; a revoked one stays in the table (and stays revoked)."""

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["job"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_share_link_per_job",
            )
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"share link of {self.job_id} ({state})"
