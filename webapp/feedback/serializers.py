"""Small input and output serializers for feedback."""

from rest_framework import serializers

from webapp.feedback.models import JobFeedback

THUMBS = {"up": True, "down": False}


class FeedbackInputSerializer(serializers.Serializer):
    """PUT: the whole feedback; a part that is not sent is reset."""

    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        max_length=2000, allow_blank=True, default="", help_text="Empty when not sent."
    )
    stems = serializers.DictField(
        child=serializers.ChoiceField(choices=list(THUMBS)),
        default=dict,
        help_text='A thumb per stem, e.g. {"vocals": "up", "accompaniment": "down"}; '
        "stems not listed (all of them when not sent) have no thumb.",
    )


class FeedbackPatchInputSerializer(serializers.Serializer):
    """PATCH: only the parts that are sent change."""

    rating = serializers.IntegerField(min_value=1, max_value=5, required=False)
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    stems = serializers.DictField(
        child=serializers.ChoiceField(choices=list(THUMBS), allow_null=True),
        required=False,
        help_text='Thumbs to set, e.g. {"vocals": "down"}; other stems keep theirs, '
        "and null removes a stem's thumb.",
    )


class FeedbackOutputSerializer(serializers.ModelSerializer):
    stems = serializers.SerializerMethodField()

    class Meta:
        model = JobFeedback
        fields = ["job", "rating", "comment", "stems", "created_at", "updated_at"]

    def get_stems(self, feedback: JobFeedback) -> dict[str, str]:
        return {s.stem: "up" if s.thumbs_up else "down" for s in feedback.stems.all()}


class CommentOutputSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    updated_at = serializers.DateTimeField()


class ModelSummaryOutputSerializer(serializers.Serializer):
    model = serializers.CharField()
    count = serializers.IntegerField()
    average = serializers.FloatField()
    recent_comments = CommentOutputSerializer(many=True)


class StemSummaryOutputSerializer(serializers.Serializer):
    model = serializers.CharField()
    stem = serializers.CharField()
    up = serializers.IntegerField()
    down = serializers.IntegerField()


class FeedbackSummaryOutputSerializer(serializers.Serializer):
    models = ModelSummaryOutputSerializer(many=True)
    stems = StemSummaryOutputSerializer(many=True)
