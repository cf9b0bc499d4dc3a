from django.contrib import admin

from webapp.jobs.models import Job, Stem


class StemInline(admin.TabularInline):
    model = Stem
    extra = 0
    readonly_fields = ["name", "file", "format", "size", "duration"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "owner",
        "original_name",
        "model",
        "target",
        "kind",
        "status",
        "progress",
        "cost",
        "created_at",
    ]
    list_filter = ["status", "model", "kind"]
    search_fields = ["id", "original_name", "owner__username"]
    readonly_fields = [
        "id",
        "input_file",
        "source_job",
        "cost",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "purged_at",
    ]
    inlines = [StemInline]
