from django.contrib import admin

from webapp.feedback.models import JobFeedback, StemFeedback
from webapp.feedback.selectors import feedback_summary


class StemFeedbackInline(admin.TabularInline):
    model = StemFeedback
    extra = 0


@admin.register(JobFeedback)
class JobFeedbackAdmin(admin.ModelAdmin):
    list_display = ["job", "user", "model", "rating", "comment", "updated_at"]
    list_filter = ["rating", "job__model", "updated_at"]
    search_fields = ["comment", "user__username", "job__original_name"]
    readonly_fields = ["job", "user", "created_at", "updated_at"]
    inlines = [StemFeedbackInline]
    list_select_related = ["job", "user"]
    change_list_template = "admin/feedback/jobfeedback/change_list.html"

    @admin.display(ordering="job__model")
    def model(self, feedback: JobFeedback) -> str:
        return feedback.job.model

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "summary": feedback_summary()}
        return super().changelist_view(request, extra_context=extra_context)
