"""Operators' console for bank data. Connections use the core's base admin (sync now, revoke,
no token ever displayed); bank data is read-only here: it belongs to the person and the sync."""

from __future__ import annotations

from django.contrib import admin

from integrations_core.admin import ConnectionAdminBase, ReadOnlyAdmin, SyncRunInline

from .models import (
    BalanceSnapshot,
    BankAccount,
    BankConnection,
    BankStatementMapping,
    BankTransaction,
    Institution,
)


class BankAccountInline(admin.TabularInline):
    model = BankAccount
    fields = ("name", "type", "currency", "current_balance", "masked_number", "is_active", "last_synced_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(BankConnection)
class BankConnectionAdmin(ConnectionAdminBase):
    # "Person sees" (the base's column) already shows the user state: no second copy here.
    inlines = [BankAccountInline, SyncRunInline]


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "connection", "type", "currency", "current_balance", "available_balance",
                    "masked_number", "is_active", "last_synced_at")
    list_filter = ("type", "is_active", "connection__provider")
    search_fields = ("name", "external_id", "masked_number", "iban_masked", "connection__user__email",
                     "connection__institution_name")
    list_select_related = ("connection", "connection__user")


@admin.register(BankTransaction)
class BankTransactionAdmin(ReadOnlyAdmin):
    list_display = ("booked_date", "description", "amount", "currency", "status", "category", "account")
    list_filter = ("status", "account__type", "account__connection__provider")
    search_fields = ("description", "merchant_name", "external_id", "provider_transaction_id", "category",
                     "account__connection__user__email")
    date_hierarchy = "booked_date"
    list_select_related = ("account",)
    show_full_result_count = False  # counting millions of rows on every page load is wasted work


@admin.register(BalanceSnapshot)
class BalanceSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("date", "account", "current", "available", "currency", "recorded_at")
    list_filter = ("currency",)
    search_fields = ("account__name", "account__connection__user__email")
    date_hierarchy = "date"
    list_select_related = ("account",)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "external_id", "country", "transaction_total_days",
                    "max_access_valid_for_days", "is_active")
    list_filter = ("provider", "country", "is_active")
    list_editable = ("is_active",)
    search_fields = ("name", "external_id", "bic")


@admin.register(BankStatementMapping)
class BankStatementMappingAdmin(ReadOnlyAdmin):
    """A person's saved CSV columns per bank (header names only: no account data)."""

    list_display = ("bank", "user", "updated_at")
    search_fields = ("bank", "user__email")
    readonly_fields = ("id", "user", "bank", "bank_key", "columns", "updated_at")
