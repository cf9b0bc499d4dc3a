"""Jobs and their stems: the database row is the source of truth for every job."""

import uuid

from django.conf import settings
from django.db import models

from separation.audio import SAMPLE_RATE
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


class ErrorClass(models.TextChoices):
    """Why a job failed, in a few classes that monitoring groups failures by."""

    BAD_INPUT = "bad_input", "bad input"
    TIME_LIMIT = "time_limit", "time limit"
    WORKER_LOST = "worker_lost", "worker lost"
    OUT_OF_MEMORY = "out_of_memory", "out of memory"
    STORAGE = "storage", "storage"
    INTERNAL = "internal", "internal error"


class SampleRate(models.TextChoices):
    """The rate of a job's stems: 44.1 kHz (what the models work at), or the input's own."""

    DEFAULT = str(SAMPLE_RATE), "44.1 kHz"
    INPUT = "input", "the input's rate"


def input_path(job: "Job", filename: str) -> str:
    return layout.input_name(job.id, filename)


def stem_path(stem: "Stem", filename: str) -> str:
    # The folder of a stem's own files: its peaks (and, in migrations 0001 to 0004, its WAV).
    return f"{layout.stems_folder(stem.job_id)}/{filename}"


def stem_file_path(stem_file: "StemFile", filename: str) -> str:
    return f"{layout.stems_folder(stem_file.stem.job_id)}/{filename}"


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
    sample_rate = models.CharField(
        max_length=10, choices=SampleRate.choices, default=SampleRate.DEFAULT
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    error_class = models.CharField(max_length=20, choices=ErrorClass.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The Celery task id that claimed the job: its own redelivery (after its worker died)
    # may take the job back at once, while any other task must wait for a stale heartbeat.
    claimed_by = models.CharField(max_length=255, blank=True)
    cost = models.PositiveIntegerField(default=0, help_text="Credits charged for this job.")
    input_size = models.BigIntegerField(null=True, blank=True, help_text="Bytes of the upload.")
    # What the worker recorded of its run (the last attempt's): who ran it, where, and the
    # wall seconds of each stage. Queue wait and processing time come from the timestamps.
    worker_host = models.CharField(max_length=255, blank=True, help_text="Celery's host name.")
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    device = models.CharField(max_length=40, blank=True, help_text="cpu, cuda:0, ...")
    decode_s = models.FloatField(null=True, blank=True, help_text="Seconds reading the input.")
    separate_s = models.FloatField(null=True, blank=True, help_text="Seconds in the model.")
    encode_s = models.FloatField(null=True, blank=True, help_text="Seconds encoding the stems.")
    store_s = models.FloatField(null=True, blank=True, help_text="Seconds storing the stems.")
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
            models.Index(fields=["status", "finished_at"]),
            models.Index(fields=["kind", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.model}/{self.target}, {self.status})"


class Stem(models.Model):
    """One separated part of a job's song; its encoded copies are its `files`."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="stems")
    name = models.CharField(max_length=40)
    duration = models.FloatField(help_text="Seconds.")
    sample_rate = models.PositiveIntegerField(
        default=SAMPLE_RATE, help_text="Hz of the WAV and FLAC copies."
    )
    # Empty for stems stored before the worker made peaks.
    peaks = models.FileField(
        upload_to=stem_path,
        max_length=300,
        blank=True,
        help_text="Waveform peaks as JSON (audiowaveform's format, version 2).",
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="one_stem_per_name")]

    def __str__(self) -> str:
        return f"{self.name} of {self.job_id}"


class StemFile(models.Model):
    """A stem encoded once by the worker in one format (wav, flac, mp3, listen), as stored."""

    stem = models.ForeignKey(Stem, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=10)
    file = models.FileField(upload_to=stem_file_path, max_length=300)
    size = models.BigIntegerField(help_text="Bytes.")
    sample_rate = models.PositiveIntegerField(default=SAMPLE_RATE, help_text="Hz.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["stem", "format"], name="one_file_per_stem_format")
        ]

    def __str__(self) -> str:
        return f"{self.stem} as {self.format}"


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
