"""The operators' console: base admin for any family's connections, plus sync runs, audit
events and provider switches. Secrets are never displayed: token fields are excluded and only
their presence is shown."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .models import AuditEvent, OAuthState, ProviderSetting, StatementImport, SyncRun
from .services.audit import audit_record
from .services.connections import connection_revoke, connection_sync_refusal
from .services.sync import SyncQueueUnavailable, connection_sync_enqueue

SECRET_FIELDS = ("access_token", "refresh_token", "credentials", "sync_lock_token")


class SyncRunInline(GenericTabularInline):
    """A connection's recent sync runs, for any family's connection admin (SyncRun reaches the
    connection through a content type)."""

    model = SyncRun
    ct_field = "connection_type"
    ct_fk_field = "connection_id"
    fields = ("started_at", "trigger", "outcome", "provider_calls", "added", "updated", "removed", "error_code",
              "per_account")
    readonly_fields = fields
    ordering = ("-started_at",)
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "Recent sync runs"

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-started_at")

    @admin.display(description="Per account")
    def per_account(self, obj: SyncRun):
        rows = []
        for result in (obj.account_results or {}).values():
            if result.get("status") == "ok":
                detail = f"ok +{result.get('added', 0)} ~{result.get('updated', 0)} -{result.get('removed', 0)}"
            else:
                detail = f"{result.get('status')}: {result.get('error_code', '')}"
            rows.append((result.get("name", "?"), detail))
        return format_html_join("", "<div>{}: {}</div>", rows) or "-"


class ConnectionAdminBase(admin.ModelAdmin):
    """Subclass per family: `admin.site.register(BankConnection, BankConnectionAdmin)`."""

    # Fits 1280 px: the bank's name is the link (a UUID column pushed the table off the screen);
    # the id is still searchable and shown on the change page.
    list_display = ("institution_name", "user", "provider", "status", "person_sees", "last_synced_at",
                    "next_sync_at", "consecutive_failures", "has_tokens")
    list_display_links = ("institution_name",)
    list_filter = ("provider", "status")
    search_fields = ("id", "user__email", "institution_name", "institution_id", "external_id")
    exclude = SECRET_FIELDS
    readonly_fields = ("id", "user", "provider", "external_id", "has_tokens", "person_sees", "token_expires_at",
                       "consent_expires_at", "last_synced_at", "last_error", "last_error_code",
                       "consecutive_failures", "retry_after", "sync_state", "sync_lock_expires_at",
                       "sync_lock_run_id", "sync_queued_until", "sync_runs_link", "created_at", "updated_at")
    actions = ["sync_now", "revoke"]
    list_select_related = ("user",)

    @admin.display(description="Tokens", boolean=True)
    def has_tokens(self, obj) -> bool:
        # Presence only: the values never reach an admin page.
        return bool(obj.access_token or obj.credentials)

    @admin.display(description="Person sees")
    def person_sees(self, obj) -> str:
        return obj.user_state

    @admin.display(description="Sync runs")
    def sync_runs_link(self, obj) -> str:
        ct = ContentType.objects.get_for_model(obj)
        url = reverse("admin:integrations_core_syncrun_changelist")
        return format_html('<a href="{}?connection_type__id__exact={}&connection_id={}">View sync runs</a>',
                           url, ct.pk, obj.pk)

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        # The same refusals as the person's button (connection_sync_refusal): nothing to fetch
        # (manual, statement files), needs reconnecting, or the provider asked us to wait.
        count = skipped = 0
        try:
            for connection in queryset:
                if connection_sync_refusal(connection) is None:
                    connection_sync_enqueue(connection, trigger="manual")
                    audit_record("connection.sync_requested", connection=connection, actor=request.user)
                    count += 1
                else:
                    skipped += 1
        except SyncQueueUnavailable:
            self.message_user(request, f"The task queue is unavailable; queued {count} before it failed.",
                              messages.ERROR)
            return
        left = f" Skipped {skipped}: not active, waiting on the provider, or nothing to fetch (manual or statement files)." if skipped else ""
        self.message_user(request, f"Queued {count} sync(s).{left}", messages.SUCCESS)

    @admin.action(description="Revoke (disconnect, erase tokens)…")
    def revoke(self, request, queryset):
        """Asks first, like Django's delete: revoking cannot be undone (the person has to
        reconnect at their bank), so the operator sees what will be revoked and confirms."""
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(request, "admin/integrations_core/revoke_confirmation.html", {
                **self.admin_site.each_context(request), "title": "Revoke these connections?",
                "connections": list(queryset.select_related("user")), "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            })
        count = 0
        for connection in queryset:
            connection_revoke(connection, actor=request.user, delete_data=False)
            count += 1
        self.message_user(request, f"Revoked {count} connection(s).", messages.SUCCESS)
        return None


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "provider", "connection_id", "trigger", "outcome", "error_code", "reason",
                    "added", "updated", "removed", "provider_calls", "duration")
    list_filter = ("provider", "outcome", "error_code", "trigger")
    search_fields = ("connection_id", "user__email", "error_code")
    date_hierarchy = "started_at"

    @admin.display(description="Why")
    def reason(self, obj) -> str:
        # A skipped run says why (another sync was running, the provider is paused), a failed one
        # what went wrong: the same words the person is shown.
        return obj.error

    @admin.display(description="Seconds")
    def duration(self, obj):
        return None if obj.duration_seconds is None else round(obj.duration_seconds, 2)


@admin.register(StatementImport)
class StatementImportAdmin(ReadOnlyAdmin):
    """Uploaded statement files and the rows they could not read. The parsed rows themselves
    (`records`, encrypted personal data) are not shown."""

    list_display = ("created_at", "provider", "user", "filename", "status", "rows", "error_count", "added",
                    "unchanged", "connection_id")
    list_filter = ("provider", "status")
    search_fields = ("id", "user__email", "filename", "sha256", "connection_id")
    date_hierarchy = "created_at"
    exclude = ("records",)
    readonly_fields = ("id", "user", "provider", "connection_type", "connection_id", "filename", "sha256", "size",
                       "status", "rows", "added", "unchanged", "row_errors", "created_at", "expires_at",
                       "imported_at")
    list_select_related = ("user",)

    @admin.display(description="Errors")
    def error_count(self, obj) -> int:
        return len(obj.errors or [])

    @admin.display(description="Row errors")
    def row_errors(self, obj) -> str:
        if not obj.errors:
            return "None"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>line {}, {}: {}</li>",
            ((e.get("line"), e.get("column") or "whole row", e.get("message")) for e in obj.errors)))


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "provider", "user", "actor", "connection_id")
    list_filter = ("action", "provider")
    search_fields = ("connection_id", "user__email", "action")
    date_hierarchy = "created_at"


@admin.register(ProviderSetting)
class ProviderSettingAdmin(admin.ModelAdmin):
    list_display = ("provider", "enabled", "breaker_state", "breaker_failures", "breaker_open_until",
                    "breaker_reason", "updated_at")
    list_editable = ("enabled",)
    list_filter = ("breaker_state", "enabled")
    readonly_fields = ("breaker_failures", "breaker_trips", "breaker_reason", "updated_at")
    actions = ["close_breaker"]

    @admin.action(description="Resume syncing now (close the circuit breaker)")
    def close_breaker(self, request, queryset):
        from .services.breaker import breaker_record_success

        for setting in queryset:
            breaker_record_success(setting.provider)
        self.message_user(request, "Circuit breaker closed.", messages.SUCCESS)


@admin.register(OAuthState)
class OAuthStateAdmin(ReadOnlyAdmin):
    list_display = ("provider", "user", "connection_id", "created_at", "expires_at", "used_at")
    exclude = ("state", "code_verifier")
from . import admin_ops  # noqa: E402,F401  (webhooks, alerts, health)
