"""Operators' console for operations: the webhook event log (with replay), refused deliveries,
alerts, notifications and the integration health page (worst first, filterable)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from .health.selectors import connection_health_for_operators, provider_health_list
from .models import Alert, ConnectionStatus, IntegrationHealth, Notification, WebhookEvent, WebhookRejection
from .providers.registry import registry
from .services.webhooks import webhook_event_replay


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(_ReadOnly):
    list_display = ("received_at", "provider", "delivery_id", "status", "attempts", "processed_at", "last_error")
    list_filter = ("provider", "status")
    search_fields = ("delivery_id",)
    date_hierarchy = "received_at"
    readonly_fields = ("provider", "delivery_id", "received_at", "verified", "status", "attempts", "last_error",
                       "processed_at", "payload")
    actions = ["replay"]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    @admin.action(description="Replay (run processing again; not re-verified)")
    def replay(self, request, queryset):
        count = 0
        for event in queryset:
            webhook_event_replay(event, actor=request.user)
            count += 1
        self.message_user(request, f"Queued {count} event(s) for processing again.", messages.SUCCESS)

    def get_actions(self, request):
        # The read-only base hides actions needing change permission; replay needs only staff.
        actions = super().get_actions(request)
        if request.user.is_staff and "replay" not in actions:
            func, name, desc = self.get_action("replay")
            actions[name] = (func, name, desc)
        return actions


@admin.register(WebhookRejection)
class WebhookRejectionAdmin(_ReadOnly):
    list_display = ("minute", "provider", "code", "count", "last_remote_addr", "last_delivery_id")
    list_filter = ("provider", "code")
    date_hierarchy = "minute"


@admin.register(Alert)
class AlertAdmin(_ReadOnly):
    list_display = ("opened_at", "kind", "audience", "provider", "connection_id", "title", "resolved_at")
    list_filter = ("kind", "audience", "provider", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("dedupe_key", "connection_id", "user__email")


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("created_at", "user", "kind", "title", "read_at")
    list_filter = ("kind", ("user", admin.EmptyFieldListFilter), ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "title")


@admin.register(IntegrationHealth)
class IntegrationHealthAdmin(admin.ModelAdmin):
    """Per provider, then every connection worst first, each score beside its inputs. Filters:
    ?provider=<slug>&status=<status>. A handful of queries, whatever the number of connections."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        provider = request.GET.get("provider", "")
        status = request.GET.get("status", "")
        context = {
            **self.admin_site.each_context(request),
            "title": "Integration health",
            "opts": self.model._meta,
            "providers": provider_health_list(),
            "connections": connection_health_for_operators(provider=provider, status=status),
            "provider_choices": [p.slug for p in registry.all()],
            "status_choices": ConnectionStatus.choices,
            "selected_provider": provider,
            "selected_status": status,
        }
        return TemplateResponse(request, "admin/integrations_core/health.html", context)
