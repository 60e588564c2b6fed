"""Read-mostly views of the mock providers' state, for debugging a connect or sync by hand."""

from django.contrib import admin

from .models import Consent, GoCardlessAccount, GoCardlessRequisition, SandboxClock


@admin.register(SandboxClock)
class SandboxClockAdmin(admin.ModelAdmin):
    list_display = ["offset_days", "updated_at"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["id", "provider", "institution_slug", "username", "authorised_at", "expires_at", "revoked_at",
                    "data_calls"]
    list_filter = ["provider", "institution_slug"]
    search_fields = ["username"]
    readonly_fields = ["data_calls"]


class GoCardlessAccountInline(admin.TabularInline):
    model = GoCardlessAccount
    fields = ["id", "account_key", "created", "last_accessed"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(GoCardlessRequisition)
class GoCardlessRequisitionAdmin(admin.ModelAdmin):
    list_display = ["id", "institution_id", "status", "reference", "username", "created", "deleted_at"]
    list_filter = ["status", "institution_id"]
    search_fields = ["reference", "username"]
    inlines = [GoCardlessAccountInline]
