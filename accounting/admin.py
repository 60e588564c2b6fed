"""Operators' console for the books: connections (the core's base admin: sync now, revoke;
tokens never shown), organisations with their sync state, and what was read and pushed,
read-only (the books are the provider's; pushes are the person's)."""

from __future__ import annotations

from django.contrib import admin

from integrations_core.admin import ConnectionAdminBase, ReadOnlyAdmin, SyncRunInline

from .models import (
    BookBankTransaction,
    BooksConnection,
    CategoryMapping,
    Invoice,
    LedgerAccount,
    Organisation,
    PushedItem,
    PushRun,
)


class OrganisationInline(admin.TabularInline):
    model = Organisation
    fields = ("name", "external_id", "currency", "is_active", "disconnected_at", "last_synced_at", "sync_error")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


@admin.register(BooksConnection)
class BooksConnectionAdmin(ConnectionAdminBase):
    inlines = [OrganisationInline, SyncRunInline]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "connection", "currency", "is_active", "disconnected_at", "last_synced_at")
    list_filter = ("is_active",)
    search_fields = ("name", "external_id", "connection__user__email")
    exclude = ("raw",)


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "type", "classification", "status", "is_bank", "organisation")
    list_filter = ("classification", "is_bank", "status")
    search_fields = ("name", "code", "external_id")
    exclude = ("raw",)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "status", "contact_name", "total", "amount_due", "currency", "due_date")
    list_filter = ("kind", "status")
    search_fields = ("number", "contact_name", "external_id")
    exclude = ("raw",)


@admin.register(BookBankTransaction)
class BookBankTransactionAdmin(ReadOnlyAdmin):
    list_display = ("date", "kind", "amount", "currency", "reference", "status", "organisation")
    list_filter = ("kind", "status")
    search_fields = ("reference", "external_id", "description")
    exclude = ("raw",)


@admin.register(CategoryMapping)
class CategoryMappingAdmin(ReadOnlyAdmin):
    list_display = ("category", "ledger_account", "organisation")
    search_fields = ("category",)


@admin.register(PushedItem)
class PushedItemAdmin(ReadOnlyAdmin):
    list_display = ("reference", "status", "external_id", "pushed_at", "conflict_at", "organisation")
    list_filter = ("status",)
    search_fields = ("reference", "external_id")


@admin.register(PushRun)
class PushRunAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "organisation", "created", "updated", "unchanged", "conflicts", "failed",
                    "provider_writes")
