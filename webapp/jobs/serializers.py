"""Small input and output serializers for the jobs API."""

from django.urls import reverse
from rest_framework import serializers

from separation import audio, catalog
from separation.errors import InvalidOptions
from webapp.jobs.models import Job, Kind, Stem
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
        try:
            catalog.output_stems(attrs["model"], attrs["target"])
        except InvalidOptions as exc:
            raise serializers.ValidationError({"target": [str(exc)]}) from None
        return attrs


class StemOutputSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Download URL; add ?format=flac or mp3.")

    class Meta:
        model = Stem
        fields = ["name", "format", "size", "duration", "url"]

    def get_url(self, stem: Stem) -> str:
        return self._absolute(reverse("jobs:stem", args=[stem.job_id, stem.name]))

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
