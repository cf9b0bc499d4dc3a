"""Small input and output serializers for the jobs API."""

import math

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from separation import catalog, refusals
from separation.errors import InvalidOptions
from webapp.jobs import stem_files
from webapp.jobs.links import JobLinks
from webapp.jobs.models import Job, Kind, SampleRate, Stem
from webapp.jobs.selectors import jobs_for_user
from workers.models_available import missing_reason, model_installed


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file part of a multipart form: bytes in the schema, not the URL a stored file reads as."""

    default_error_messages = {
        **serializers.FileField.default_error_messages,
        "empty": refusals.EMPTY,
    }


class JobCreateInputSerializer(serializers.Serializer):
    file = UploadField(
        required=False, help_text="The song: WAV, FLAC, MP3, OGG or AIFF (or send source_job)."
    )
    source_job = serializers.UUIDField(
        required=False, help_text="Reuse the upload of one of your earlier jobs (e.g. a preview)."
    )
    preview_start = serializers.FloatField(
        required=False,
        min_value=0,
        help_text="Preview only: where the excerpt starts, in seconds; "
        "by default the most energetic part of the song.",
    )
    model = serializers.ChoiceField(
        choices=list(catalog.MODELS),
        required=False,
        help_text=f"Default: the source job's model, else {catalog.DEFAULT_MODEL}.",
    )
    target = serializers.CharField(
        required=False,
        help_text="`all`, or one stem X of the model to get X and no_X. "
        "Default: the source job's target, else `all`.",
    )
    kind = serializers.ChoiceField(choices=Kind.choices, default=Kind.FULL)
    sample_rate = serializers.ChoiceField(
        choices=SampleRate.choices,
        required=False,
        help_text="The stems' rate: `44100` (what the models work at) or `input`, the song's own "
        "rate. Default: the source job's, else 44100.",
    )
    max_cost = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="The most credits you agree to pay (the quote you were shown): a job that "
        "costs more is refused with 409 and nothing is stored or charged.",
    )

    def validate(self, attrs: dict) -> dict:
        if ("file" in attrs) == ("source_job" in attrs):
            raise serializers.ValidationError(
                {"file": ["Send either a file or source_job (the id of an earlier job)."]}
            )
        source = _own_source_job(self.context["request"].user, attrs.get("source_job"))
        # A full job made from a preview separates the way the preview did, unless told otherwise.
        attrs["source"] = source
        attrs.setdefault("model", source.model if source else catalog.DEFAULT_MODEL)
        same_model = source is not None and source.model == attrs["model"]
        attrs.setdefault("target", source.target if same_model else catalog.ALL)
        attrs.setdefault("sample_rate", source.sample_rate if source else SampleRate.DEFAULT)
        try:
            catalog.output_stems(attrs["model"], attrs["target"])
        except InvalidOptions as exc:
            raise serializers.ValidationError({"target": [str(exc)]}) from None
        return attrs


def _own_source_job(user, job_id: object | None) -> Job | None:
    """Return the user's job `job_id` (None when not asked); a field error when they have none."""
    if job_id is None:
        return None
    source = jobs_for_user(user=user).filter(id=job_id).first()
    if source is None:
        raise serializers.ValidationError({"source_job": ["You have no job with this id."]})
    return source


def _minutes(seconds: float) -> str:
    whole = math.ceil(seconds)
    return f"{whole // 60}:{whole % 60:02d} min"


class QuoteInputSerializer(serializers.Serializer):
    model = serializers.ChoiceField(
        choices=list(catalog.MODELS),
        required=False,
        help_text=f"Default: the source job's model, else {catalog.DEFAULT_MODEL}.",
    )
    duration = serializers.FloatField(
        required=False, help_text="The song's length in seconds (or send source_job)."
    )
    source_job = serializers.UUIDField(
        required=False, help_text="Price the full job of one of your earlier jobs' upload."
    )

    def validate_duration(self, value: float) -> float:
        if not value > 0:
            raise serializers.ValidationError("The duration must be more than 0 seconds.")
        limit = settings.STEMWORKS_MAX_DURATION_S
        if value > limit:
            raise serializers.ValidationError(
                f"The song is {_minutes(value)} long; the maximum is {_minutes(limit)}."
            )
        return value

    def validate(self, attrs: dict) -> dict:
        if ("duration" in attrs) == ("source_job" in attrs):
            raise serializers.ValidationError(
                {"duration": ["Send either duration (seconds) or source_job (an earlier job)."]}
            )
        source = _own_source_job(self.context["request"].user, attrs.get("source_job"))
        attrs["source"] = source
        attrs.setdefault("model", source.model if source else catalog.DEFAULT_MODEL)
        if not model_installed(attrs["model"]):
            raise serializers.ValidationError({"model": [missing_reason(attrs["model"])]})
        return attrs


class QuoteOutputSerializer(serializers.Serializer):
    model = serializers.CharField()
    duration = serializers.FloatField(help_text="Seconds.")
    cost = serializers.IntegerField(help_text="Credits a full job costs.")
    credits_per_minute = serializers.IntegerField(help_text="Per started minute, for this model.")
    balance = serializers.IntegerField(help_text="Your credits now.")
    enough = serializers.BooleanField(help_text="Whether your balance covers the cost.")


class StemFileOutputSerializer(serializers.Serializer):
    format = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    sample_rate = serializers.IntegerField(help_text="Hz.")
    url = serializers.CharField()


class StemOutputSerializer(serializers.ModelSerializer):
    """One stem and its stored copies; built by hand, as a page holds a hundred of them."""

    format = serializers.CharField(help_text="The format `url` gives: wav.")
    size = serializers.IntegerField(allow_null=True, help_text="Bytes of the WAV file.")
    url = serializers.CharField(help_text="Download URL; add ?format=flac or mp3.")
    listen_url = serializers.CharField(
        allow_null=True,
        help_text="A 160 kb/s MP3 at 44.1 kHz for players; null for jobs stored before it existed.",
    )
    peaks_url = serializers.CharField(
        allow_null=True,
        help_text="Waveform peaks (audiowaveform's JSON, version 2); null for jobs stored "
        "before they existed.",
    )
    files = StemFileOutputSerializer(many=True, help_text="Every stored copy of the stem.")

    class Meta:
        model = Stem
        fields = [
            "name",
            "format",
            "size",
            "duration",
            "sample_rate",
            "url",
            "listen_url",
            "peaks_url",
            "files",
        ]

    def to_representation(self, stem: Stem) -> dict:
        links = self.context.get("links") or JobLinks(self.context.get("request"))
        # Prefetched with the job: no query per stem.
        stored = {row.format: row for row in stem.files.all()}
        wav = stored.get(stem_files.DEFAULT_FORMAT)
        listen = stem_files.LISTEN_FORMAT in stored
        return {
            "name": stem.name,
            "format": stem_files.DEFAULT_FORMAT,
            "size": wav.size if wav else None,
            "duration": stem.duration,
            "sample_rate": stem.sample_rate,
            "url": links.stem(stem.job_id, stem.name),
            "listen_url": links.stem(stem.job_id, stem.name, stem_files.LISTEN_FORMAT)
            if listen
            else None,
            "peaks_url": links.peaks(stem.job_id, stem.name) if stem.peaks else None,
            "files": [
                {
                    "format": row.format,
                    "size": row.size,
                    "sample_rate": row.sample_rate,
                    "url": links.stem(stem.job_id, stem.name, row.format),
                }
                for row in stored.values()
            ],
        }


class JobOutputSerializer(serializers.ModelSerializer):
    stems = StemOutputSerializer(many=True, read_only=True)
    formats = serializers.SerializerMethodField()
    zip_url = serializers.SerializerMethodField()
    result_json_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "status",
            "progress",
            "stage",
            "error",
            "original_name",
            "duration",
            "input_duration",
            "preview_start",
            "source_job",
            "model",
            "target",
            "kind",
            "sample_rate",
            "cost",
            "created_at",
            "queued_at",
            "started_at",
            "finished_at",
            "stems",
            "formats",
            "zip_url",
            "result_json_url",
        ]

    def to_representation(self, job: Job) -> dict:
        # One set of links for every job and stem of the response.
        self.context.setdefault("links", JobLinks(self.context.get("request")))
        return super().to_representation(job)

    def get_formats(self, job: Job) -> list[str]:
        """The `format=` values this job's stems answer: what was stored, or will be."""
        stored = {row.format for stem in job.stems.all() for row in stem.files.all()}
        return [key for key in stem_files.STEM_FORMATS if key in stored or not stored]

    def get_zip_url(self, job: Job) -> str:
        return self.context["links"].zip(job.id)

    def get_result_json_url(self, job: Job) -> str:
        return self.context["links"].result_json(job.id)


class PreviewAllowanceOutputSerializer(serializers.Serializer):
    per_day = serializers.IntegerField(help_text="Free previews per rolling 24 hours.")
    used = serializers.IntegerField(help_text="Previews taken in the last 24 hours.")
    left = serializers.IntegerField()
    next_at = serializers.DateTimeField(
        allow_null=True, help_text="With none left: when the next one frees up."
    )
