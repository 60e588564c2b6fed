from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType

from integrations_core.models import AuditEvent, Connection


def audit_record(action: str, *, connection: Connection | None = None, actor=None, user=None,
                 details: dict[str, Any] | None = None) -> AuditEvent:
    """Write an audit event. `details` must hold ids and outcomes only, never secrets."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        user=user or (connection.user if connection is not None else None),
        provider=connection.provider if connection is not None else "",
        connection_type=ContentType.objects.get_for_model(connection) if connection is not None else None,
        connection_id=connection.pk if connection is not None else None,
        details=details or {},
    )
