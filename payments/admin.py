"""Operators' console for payment processors: connections through the core's base admin (sync
now, revoke; tokens and keys never shown), and their balances, payouts, balance transactions and
disputes read-only."""

from __future__ import annotations

from django.contrib import admin

from integrations_core.admin import ConnectionAdminBase, ReadOnlyAdmin, SyncRunInline

from .models import BalanceTransaction, Dispute, PaymentsConnection, Payout, ProcessorAccount


class ProcessorAccountInline(admin.TabularInline):
    model = ProcessorAccount
    fields = ("name", "currency", "current_balance", "available_balance", "pending_balance", "is_active",
              "last_synced_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(PaymentsConnection)
class PaymentsConnectionAdmin(ConnectionAdminBase):
    inlines = [ProcessorAccountInline, SyncRunInline]


@admin.register(ProcessorAccount)
class ProcessorAccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "connection", "currency", "current_balance", "available_balance", "pending_balance",
                    "is_active", "balance_updated_at")
    list_filter = ("currency", "connection__provider")
    search_fields = ("name", "connection__user__email")
    list_select_related = ("connection", "connection__user")
    exclude = ("raw",)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "account", "amount", "currency", "status", "arrival_date", "reference")
    list_filter = ("status", "currency")
    search_fields = ("external_id", "reference", "account__connection__user__email")
    list_select_related = ("account",)
    exclude = ("raw",)


@admin.register(BalanceTransaction)
class BalanceTransactionAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "account", "type", "occurred_at", "amount", "fee", "net", "currency", "status",
                    "payout")
    list_filter = ("type", "status", "currency")
    search_fields = ("external_id", "source_id", "reference", "account__connection__user__email")
    list_select_related = ("account", "payout")
    exclude = ("raw",)


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "account", "amount", "currency", "status", "reason", "evidence_due_by", "closed")
    list_filter = ("status", "closed", "currency")
    search_fields = ("external_id", "charge_external_id", "account__connection__user__email")
    list_select_related = ("account",)
    exclude = ("raw",)
