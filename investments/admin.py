"""Operators' console for investment data. Connections use the core's base admin (sync now,
revoke; credentials never shown, only their presence). Synced data is read-only: it belongs to
the person and the sync. Securities are shared reference data, so an operator may correct one
(a wrong sector, a missing ISIN) but never delete it while anything points at it (PROTECT)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from integrations_core.admin import ConnectionAdminBase, ReadOnlyAdmin, SyncRunInline
from integrations_core.providers.base import Capability
from integrations_core.providers.registry import registry

from .models import (
    AccountValuation,
    FxRate,
    Holding,
    HoldingSnapshot,
    InvestmentAccount,
    InvestmentConnection,
    InvestmentTransaction,
    Security,
    SecurityAlias,
    SecurityPrice,
)
from .selectors import account_reconciliation


class InvestmentAccountInline(admin.TabularInline):
    model = InvestmentAccount
    fields = ("name", "wrapper", "currency", "current_balance", "is_manual", "is_active", "last_synced_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(InvestmentConnection)
class InvestmentConnectionAdmin(ConnectionAdminBase):
    """The core's "sync now" and "revoke" actions; sync now skips connections whose platform
    has nothing to fetch (statement uploads, the person's manual accounts)."""

    inlines = [InvestmentAccountInline, SyncRunInline]

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        fetching = registry.slugs_with(Capability.SCHEDULED_SYNC)
        return super().sync_now(request, queryset.filter(provider__in=fetching))


@admin.register(InvestmentAccount)
class InvestmentAccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "connection", "wrapper", "currency", "current_balance", "is_manual", "is_active",
                    "last_synced_at")
    list_filter = ("wrapper", "is_manual", "is_active", "connection__provider")
    search_fields = ("name", "external_id", "connection__user__email", "connection__institution_name")
    list_select_related = ("connection", "connection__user")
    readonly_fields = ("reconciliation",)

    @admin.display(description="Reconciliation with the transaction history")
    def reconciliation(self, obj) -> str:
        differences = account_reconciliation(obj) if obj is not None and obj.pk else []
        if not differences:
            return "No differences (or nothing to compare: manual, statement or no snapshot yet)."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((d.message,) for d in differences)))


class HoldingInline(admin.TabularInline):
    model = Holding
    fields = ("security", "quantity", "price", "price_currency", "value", "book_cost", "currency", "price_as_of")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(HoldingSnapshot)
class HoldingSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("date", "account", "source", "value", "as_of")
    list_filter = ("source",)
    search_fields = ("account__name", "account__connection__user__email")
    date_hierarchy = "date"
    list_select_related = ("account",)
    inlines = [HoldingInline]


@admin.register(InvestmentTransaction)
class InvestmentTransactionAdmin(ReadOnlyAdmin):
    list_display = ("booked_date", "type", "security", "quantity", "price", "price_currency", "amount", "currency",
                    "account")
    list_filter = ("type", "account__wrapper", "account__connection__provider")
    search_fields = ("description", "external_id", "provider_transaction_id", "security__name", "security__isin",
                     "account__connection__user__email")
    date_hierarchy = "booked_date"
    list_select_related = ("account", "security")
    show_full_result_count = False  # long histories: counting every row on each page is wasted work


@admin.register(AccountValuation)
class AccountValuationAdmin(ReadOnlyAdmin):
    list_display = ("date", "account", "value", "currency", "source")
    list_filter = ("source", "currency")
    search_fields = ("account__name", "account__connection__user__email")
    date_hierarchy = "date"
    list_select_related = ("account",)


class SecurityAliasInline(admin.TabularInline):
    model = SecurityAlias
    fields = ("provider", "external_id", "created_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(Security)
class SecurityAdmin(admin.ModelAdmin):
    list_display = ("name", "isin", "ticker", "mic", "type", "quote_currency", "asset_class", "country", "sector")
    list_filter = ("type", "quote_currency", "asset_class", "country")
    search_fields = ("name", "isin", "ticker", "aliases__external_id")
    readonly_fields = ("raw", "created_at", "updated_at")
    inlines = [SecurityAliasInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # holdings and trades PROTECT it; orphans are kept as reference data


@admin.register(SecurityPrice)
class SecurityPriceAdmin(ReadOnlyAdmin):
    list_display = ("date", "security", "close", "currency", "source")
    list_filter = ("source", "currency")
    search_fields = ("security__name", "security__isin", "security__ticker")
    date_hierarchy = "date"
    list_select_related = ("security",)


@admin.register(FxRate)
class FxRateAdmin(ReadOnlyAdmin):
    list_display = ("date", "base", "quote", "rate", "source")
    list_filter = ("base", "quote", "source")
    date_hierarchy = "date"
