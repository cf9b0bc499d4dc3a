"""Account extras Django's User lacks: a verified e-mail address and named API tokens."""

from django.conf import settings
from django.db import models


class EmailVerification(models.Model):
    """The address a user proved they read; it counts only while it is still their address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_verification"
    )
    email = models.EmailField()
    verified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.email} verified"


class ApiToken(models.Model):
    """A named API key; only its SHA-256 is stored, the key itself is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="The start of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"
