from django.contrib import admin

from webapp.jobs.models import Job, Stem


class StemInline(admin.TabularInline):
    model = Stem
    extra = 0
    fields = readonly_fields = ["name", "duration", "sample_rate", "stored"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("files")

    @admin.display(description="stored as")
    def stored(self, stem: Stem) -> str:
        return ", ".join(f"{f.format} ({f.size} bytes)" for f in stem.files.all())


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
    list_filter = ["status", "error_class", "model", "kind", "device"]
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
        # What the worker recorded, for monitoring.
        "input_size",
        "error_class",
        "worker_host",
        "worker_pid",
        "device",
        "decode_s",
        "separate_s",
        "encode_s",
        "store_s",
    ]
    inlines = [StemInline]
