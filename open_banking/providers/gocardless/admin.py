"""GoCardless's tables in the operators' console: read-only, and the server token never shown."""

from __future__ import annotations

from django.contrib import admin

from integrations_core.admin import ReadOnlyAdmin

from .models import QuotaLedger, ServerToken


@admin.register(QuotaLedger)
class QuotaLedgerAdmin(ReadOnlyAdmin):
    list_display = ("day", "provider", "account_id", "scope", "successful_calls", "rate_limited_calls", "limit",
                    "remaining", "reset_at")
    list_filter = ("provider", "scope", "day")
    search_fields = ("account_id", "connection__id")


@admin.register(ServerToken)
class ServerTokenAdmin(ReadOnlyAdmin):
    list_display = ("provider", "access_expires_at", "refresh_expires_at", "updated_at")
    exclude = ("access_token", "refresh_token", "key")
