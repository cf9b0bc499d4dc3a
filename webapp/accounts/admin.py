from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone

from webapp.accounts.models import ApiToken, EmailVerification
from webapp.billing.selectors import credits_balance


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request, obj=None) -> bool:
        # A key is shown once, to its owner, through the API.
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset) -> None:
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


@admin.register(EmailVerification)
class EmailVerificationAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "verified_at"]
    search_fields = ["user__username", "email"]


class EmailVerificationInline(admin.StackedInline):
    model = EmailVerification
    extra = 0


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    extra = 0
    fields = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class UserAdmin(DjangoUserAdmin):
    list_display = [*DjangoUserAdmin.list_display, "credits", "date_joined"]
    inlines = [EmailVerificationInline, ApiTokenInline]

    @admin.display(description="credits")
    def credits(self, user) -> int:
        return credits_balance(user=user)


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)
