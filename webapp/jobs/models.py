"""Jobs and their stems: the database row is the source of truth for every job."""

import uuid

from django.conf import settings
from django.db import models

from webapp.jobs import layout


class Status(models.TextChoices):
    # A job is created queued: an upload that fails its checks never becomes a row.
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = (Status.QUEUED, Status.RUNNING)
FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)


class Kind(models.TextChoices):
    PREVIEW = "preview"
    FULL = "full"


def input_path(job: "Job", filename: str) -> str:
    return layout.input_name(job.id, filename)


def stem_path(stem: "Stem", filename: str) -> str:
    return f"{layout.stems_folder(stem.job_id)}/{filename}"


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    input_file = models.FileField(upload_to=input_path, max_length=300, blank=True)
    original_name = models.CharField(max_length=255)
    duration = models.FloatField(help_text="Seconds of audio this job separates.")
    input_duration = models.FloatField(default=0, help_text="Seconds of audio in the upload.")
    # A job made from an earlier job's upload shares its stored input file.
    source_job = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="derived_jobs"
    )
    preview_start = models.FloatField(
        null=True, blank=True, help_text="Where a preview's excerpt starts, in seconds."
    )
    model = models.CharField(max_length=40)
    target = models.CharField(max_length=40, default="all")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FULL)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The Celery task id that claimed the job: its own redelivery (after its worker died)
    # may take the job back at once, while any other task must wait for a stale heartbeat.
    claimed_by = models.CharField(max_length=255, blank=True)
    cost = models.PositiveIntegerField(default=0, help_text="Credits charged for this job.")
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["status", "heartbeat_at"]),
            models.Index(fields=["owner", "kind", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.model}/{self.target}, {self.status})"


class Stem(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="stems")
    name = models.CharField(max_length=40)
    file = models.FileField(upload_to=stem_path, max_length=300)
    format = models.CharField(max_length=10, default="wav")
    size = models.BigIntegerField(help_text="Bytes.")
    duration = models.FloatField(help_text="Seconds.")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="one_stem_per_name")]

    def __str__(self) -> str:
        return f"{self.name} of {self.job_id}"


class PreviewUse(models.Model):
    """A free preview taken; it outlives its job, so deleting a job does not refill the limit."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preview_uses"
    )
    job_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return f"preview {self.job_id} of {self.owner}"
