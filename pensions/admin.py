"""Operators' console for pensions: provider connections (the core's base admin: sync now,
revoke; the stored pension identifiers and consent reference are credentials, never shown),
pensions and their valuations read-only, consent records read-only. The person's identity data
(PensionIdentity) has no admin page at all: an operator sees only that one exists, masked."""

from __future__ import annotations

from django.contrib import admin

from integrations_core.admin import ConnectionAdminBase, ReadOnlyAdmin, SyncRunInline
from integrations_core.providers.base import Capability
from integrations_core.providers.registry import registry

from .info_requests.tasks import information_requests_remind_task  # noqa: F401  (Celery autodiscovery)
from .models import PensionAccount, PensionConnection, PensionConsent, PensionIdentity, PensionValuation
from .register import admin as register_admin  # noqa: F401  (registers the register and request admins)
from .services.identity import identity_masked


class PensionAccountInline(admin.TabularInline):
    model = PensionAccount
    fields = ("name", "pension_type", "match_type", "value_pending", "value_pending_since", "is_active",
              "last_synced_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(PensionConnection)
class PensionConnectionAdmin(ConnectionAdminBase):
    inlines = [PensionAccountInline, SyncRunInline]
    readonly_fields = (*ConnectionAdminBase.readonly_fields, "find_data_on_file")

    @admin.display(description="Find data on file (masked)")
    def find_data_on_file(self, obj) -> str:
        row = PensionIdentity.objects.filter(user=obj.user).first()
        if row is None:
            return "None"
        masked = identity_masked(row.data)
        return f"{masked['name']} · NI {masked['ni_number']} · {masked['postcode']}"

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        # The person's manual pots hang off a connection with nothing to fetch.
        return super().sync_now(request, queryset.filter(provider__in=registry.slugs_with(Capability.SCHEDULED_SYNC)))


class PensionValuationInline(admin.TabularInline):
    model = PensionValuation
    fields = ("date", "value", "currency", "basis", "source", "contributions", "eri_annual_amount", "note")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(PensionAccount)
class PensionAccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "connection", "pension_type", "match_type", "is_manual", "value_pending",
                    "value_pending_since", "is_active", "last_synced_at")
    list_filter = ("pension_type", "match_type", "is_manual", "value_pending", "connection__provider")
    search_fields = ("name", "scheme_name", "contact_reference", "connection__user__email")
    list_select_related = ("connection", "connection__user")
    # external_id is the pension identifier (PeI) a find returned: a credential of the connection.
    exclude = ("external_id", "raw")
    inlines = [PensionValuationInline]


@admin.register(PensionValuation)
class PensionValuationAdmin(ReadOnlyAdmin):
    list_display = ("account", "date", "value", "currency", "basis", "source")
    list_filter = ("basis", "source")
    search_fields = ("account__name", "account__connection__user__email")
    list_select_related = ("account",)
    exclude = ("raw",)


@admin.register(PensionConsent)
class PensionConsentAdmin(ReadOnlyAdmin):
    list_display = ("user", "provider", "status", "given_at", "expires_at", "withdrawn_at")
    list_filter = ("provider", "status")
    search_fields = ("user__email",)
    list_select_related = ("user",)
