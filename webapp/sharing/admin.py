from django.contrib import admin

from webapp.sharing.models import ShareLink


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["job", "created_at", "revoked_at"]
    list_filter = ["created_at", "revoked_at"]
    search_fields = ["job__original_name", "job__owner__username"]
    readonly_fields = ["job", "token", "created_at"]
    list_select_related = ["job"]
