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


# --- the mock Plaid: Items, and firing signed webhooks at the app ----------------------------
from django.contrib import messages  # noqa: E402

from .models import PlaidItem  # noqa: E402


def _fire_action(name: str):
    def action(modeladmin, request, queryset):
        from .plaid.views import webhook_fire

        for item in queryset.filter(removed_at__isnull=True):
            status = webhook_fire(item, name)
            level = messages.SUCCESS if status and status < 300 else messages.WARNING
            modeladmin.message_user(request, f"{name} -> {item.item_id}: "
                                             f"{'not delivered' if status is None else f'HTTP {status}'}", level)

    action.__name__ = f"fire_{name.lower()}"
    action.short_description = f"Fire webhook: {name}"
    return action


@admin.register(PlaidItem)
class PlaidItemAdmin(admin.ModelAdmin):
    list_display = ["item_id", "institution_slug", "username", "login_required", "created_at", "removed_at"]
    list_filter = ["institution_slug", "login_required"]
    search_fields = ["item_id", "username"]
    # access_token_hash is a digest, still never shown; the webhook URL is the app's own.
    exclude = ["access_token_hash"]
    readonly_fields = ["item_id", "institution_slug", "username", "webhook", "created_at", "removed_at"]
    actions = [_fire_action(name) for name in ("SYNC_UPDATES_AVAILABLE", "ITEM_LOGIN_REQUIRED", "PENDING_EXPIRATION",
                                               "LOGIN_REPAIRED", "HOLDINGS", "INVESTMENTS_TRANSACTIONS")]
