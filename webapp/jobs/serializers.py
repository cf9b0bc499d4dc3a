"""Small input and output serializers for the jobs API."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from separation import audio, catalog
from separation.errors import InvalidOptions
from webapp.jobs import stem_files
from webapp.jobs.models import Job, Kind, SampleRate, Stem, StemFile
from webapp.jobs.selectors import jobs_for_user


class JobCreateInputSerializer(serializers.Serializer):
    file = serializers.FileField(
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

    def validate(self, attrs: dict) -> dict:
        if ("file" in attrs) == ("source_job" in attrs):
            raise serializers.ValidationError(
                {"file": ["Send either a file or source_job (the id of an earlier job)."]}
            )
        source = None
        if "source_job" in attrs:
            user = self.context["request"].user
            source = jobs_for_user(user=user).filter(id=attrs["source_job"]).first()
            if source is None:
                raise serializers.ValidationError({"source_job": ["You have no job with this id."]})
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


class StemFileOutputSerializer(serializers.Serializer):
    format = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    sample_rate = serializers.IntegerField(help_text="Hz.")
    url = serializers.CharField()


class StemOutputSerializer(serializers.ModelSerializer):
    format = serializers.SerializerMethodField(help_text="The format `url` gives: wav.")
    size = serializers.SerializerMethodField(help_text="Bytes of the WAV file.")
    url = serializers.SerializerMethodField(help_text="Download URL; add ?format=flac or mp3.")
    listen_url = serializers.SerializerMethodField(
        help_text="A 128 kb/s MP3 at 44.1 kHz for players; null for jobs stored before it existed."
    )
    files = serializers.SerializerMethodField()

    class Meta:
        model = Stem
        fields = ["name", "format", "size", "duration", "sample_rate", "url", "listen_url", "files"]

    def get_format(self, stem: Stem) -> str:
        return stem_files.DEFAULT_FORMAT

    def get_size(self, stem: Stem) -> int | None:
        row = self._stored(stem).get(stem_files.DEFAULT_FORMAT)
        return row.size if row else None

    def get_url(self, stem: Stem) -> str:
        return self._absolute(reverse("jobs:stem", args=[stem.job_id, stem.name]))

    def get_listen_url(self, stem: Stem) -> str | None:
        if stem_files.LISTEN_FORMAT not in self._stored(stem):
            return None
        return self._format_url(stem, stem_files.LISTEN_FORMAT)

    @extend_schema_field(StemFileOutputSerializer(many=True))
    def get_files(self, stem: Stem) -> list[dict]:
        """Every stored copy of the stem, each with its own download URL."""
        return [
            {
                "format": row.format,
                "size": row.size,
                "sample_rate": row.sample_rate,
                "url": self._format_url(stem, row.format),
            }
            for row in stem.files.all()
        ]

    def _stored(self, stem: Stem) -> dict[str, StemFile]:
        # Prefetched with the job: no query per stem.
        return {row.format: row for row in stem.files.all()}

    def _format_url(self, stem: Stem, fmt: str) -> str:
        return f"{self.get_url(stem)}?format={fmt}"

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


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

    def get_formats(self, job: Job) -> list[str]:
        return list(audio.OUTPUT_FORMATS)

    def get_zip_url(self, job: Job) -> str:
        return self._absolute(reverse("jobs:zip", args=[job.id]))

    def get_result_json_url(self, job: Job) -> str:
        return self._absolute(reverse("jobs:result-json", args=[job.id]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class PreviewAllowanceOutputSerializer(serializers.Serializer):
    per_day = serializers.IntegerField(help_text="Free previews per rolling 24 hours.")
    used = serializers.IntegerField(help_text="Previews taken in the last 24 hours.")
    left = serializers.IntegerField()
    next_at = serializers.DateTimeField(
        allow_null=True, help_text="With none left: when the next one frees up."
    )
