from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from webapp.accounts.deletion import account_remove
from webapp.accounts.models import ApiToken, EmailVerification
from webapp.billing.selectors import credits_balance_expression


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
    list_display = [
        *DjangoUserAdmin.list_display,
        "credits",
        "email_verified",
        "api_tokens",
        "date_joined",
    ]
    inlines = [EmailVerificationInline, ApiTokenInline]

    def get_queryset(self, request):
        # Every column below comes from this one query: no query per row of the list.
        verified = EmailVerification.objects.filter(
            user=OuterRef("pk"), email__iexact=OuterRef("email")
        )
        working_tokens = (
            ApiToken.objects.filter(user=OuterRef("pk"), revoked_at__isnull=True)
            .order_by()
            .values("user")
            .annotate(count=Count("id"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                credit_balance=credits_balance_expression(),
                has_verified_email=Exists(verified) & ~Q(email=""),
                working_token_count=Coalesce(
                    Subquery(working_tokens, output_field=IntegerField()), 0
                ),
            )
        )

    def delete_model(self, request, obj) -> None:
        # As when users delete themselves: files go, the money records stay detached.
        account_remove(user=obj)

    def delete_queryset(self, request, queryset) -> None:
        for user in queryset:
            account_remove(user=user)

    @admin.display(description="credits", ordering="credit_balance")
    def credits(self, user) -> int:
        return user.credit_balance

    @admin.display(description="e-mail verified", boolean=True, ordering="has_verified_email")
    def email_verified(self, user) -> bool:
        return user.has_verified_email

    @admin.display(description="API tokens", ordering="working_token_count")
    def api_tokens(self, user) -> int:
        return user.working_token_count


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)
