"""What users think of a finished job: a 1-5 rating, a comment, a thumb per stem."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class JobFeedback(models.Model):
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(help_text="1 (poor) to 5 (excellent).")
    comment = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["job", "user"], name="one_feedback_per_user_and_job"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="rating_between_1_and_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 from {self.user} on {self.job_id}"


class StemFeedback(models.Model):
    feedback = models.ForeignKey(JobFeedback, on_delete=models.CASCADE, related_name="stems")
    # The name, not the Stem row: stems are deleted after retention, opinions stay.
    stem = models.CharField(max_length=40)
    thumbs_up = models.BooleanField()

    class Meta:
        ordering = ["stem"]
        constraints = [
            models.UniqueConstraint(fields=["feedback", "stem"], name="one_thumb_per_stem")
        ]

    def __str__(self) -> str:
        return f"{self.stem}: {'up' if self.thumbs_up else 'down'}"
