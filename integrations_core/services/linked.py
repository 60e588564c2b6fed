"""Linked connections: one provider consent feeding more than one family (a Plaid Item holding
bank accounts and a brokerage account). Each family keeps its own connection (its accounts and
records live in that family's tables, with the family's own ledger and pages); the *primary*
connection holds the consent and its tokens, the *linked* ones hold no secret and reach the
consent through `connection_primary`. The provider declares which families it can feed
(`Provider.linked_connection_models`); nothing here names a family or a provider.

The core keeps them in step: made when the primary's consent is made (and back to active when
it is reconnected), moved to reconnect with it, revoked with it. Revoking a linked connection
alone only hides that family's part: the consent is the primary's, so the provider is not told."""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from integrations_core.models import Connection, ConnectionLink, ConnectionStatus
from integrations_core.providers.registry import UnknownProvider, registry
from integrations_core.selectors import connection_model_get

from .audit import audit_record

logger = logging.getLogger(__name__)


def connection_primary(connection: Connection) -> Connection | None:
    """The connection holding the consent `connection` rides on; None for a primary (or any
    connection that is not linked)."""
    link = ConnectionLink.objects.filter(linked_type=ContentType.objects.get_for_model(connection),
                                         linked_id=connection.pk).select_related("primary_type").first()
    if link is None:
        return None
    return link.primary_type.model_class().objects.filter(pk=link.primary_id).first()


def connections_linked(primary: Connection) -> list[Connection]:
    """The connections riding on `primary`'s consent, in any family."""
    links = ConnectionLink.objects.filter(primary_type=ContentType.objects.get_for_model(primary),
                                          primary_id=primary.pk).select_related("linked_type")
    found = []
    for link in links:
        linked = link.linked_type.model_class().objects.filter(pk=link.linked_id).first()
        if linked is not None:
            found.append(linked)
    return found


def linked_connections_ensure(primary: Connection) -> list[Connection]:
    """After the primary's consent is made (or re-made): one linked connection per family the
    provider says this consent feeds, created active or brought back to active. Returns the
    linked connections that are active now (the caller queues their syncs)."""
    try:
        provider = registry.get(primary.provider)
    except UnknownProvider:
        return []
    if not provider.linked_connection_models:
        return []
    try:
        labels = tuple(provider.linked_connection_models_for(primary))
    except Exception:  # a consent is made whatever this says
        logger.exception("linked connection check failed provider=%s connection=%s", primary.provider, primary.pk)
        labels = ()
    existing = {type(c)._meta.label_lower: c for c in connections_linked(primary)}
    active: list[Connection] = []
    primary_type = ContentType.objects.get_for_model(primary)
    for label in labels:
        model = connection_model_get(label)
        linked = existing.get(model._meta.label_lower)
        with transaction.atomic():
            if linked is None:
                linked = model.objects.create(
                    user_id=primary.user_id, provider=primary.provider, external_id=primary.external_id,
                    institution_id=primary.institution_id, institution_name=primary.institution_name,
                    status=ConnectionStatus.ACTIVE, next_sync_at=timezone.now())
                ConnectionLink.objects.create(primary_type=primary_type, primary_id=primary.pk,
                                              linked_type=ContentType.objects.get_for_model(model), linked_id=linked.pk)
                audit_record("connection.linked", connection=linked,
                             details={"primary_id": str(primary.pk), "primary_type": primary_type.model})
            elif linked.status != ConnectionStatus.ACTIVE:
                _status_follow(linked, ConnectionStatus.ACTIVE)
        active.append(linked)
    return active


def _status_follow(linked: Connection, status: str, *, code: str = "", message: str = "") -> None:
    linked.status = status
    linked.last_error_code, linked.last_error = code[:40], message
    fields = ["status", "last_error_code", "last_error", "updated_at"]
    if status == ConnectionStatus.ACTIVE:
        linked.consecutive_failures, linked.retry_after, linked.next_sync_at = 0, None, timezone.now()
        fields += ["consecutive_failures", "retry_after", "next_sync_at"]
    if status == ConnectionStatus.REVOKED:
        linked.revoked_at, linked.next_sync_at = timezone.now(), None
        fields += ["revoked_at", "next_sync_at"]
    linked.save(update_fields=fields)
    audit_record(f"connection.linked_{status}", connection=linked, details={"via": "primary"})


def linked_connections_follow(primary: Connection) -> None:
    """The primary's consent changed state (revoked, needs reconnecting): its linked connections
    go the same way, so nothing syncs on a consent that is gone. Idempotent."""
    if primary.status not in (ConnectionStatus.REVOKED, ConnectionStatus.REAUTH_REQUIRED, ConnectionStatus.EXPIRED):
        return
    for linked in connections_linked(primary):
        if linked.status == primary.status or linked.status == ConnectionStatus.REVOKED:
            continue
        _status_follow(linked, primary.status, code=primary.last_error_code, message=primary.last_error)


def linked_sync_queue(linked: list[Connection], *, trigger: str) -> None:
    """Queue the first sync of each linked connection, after the surrounding transaction."""
    from .sync_queue import connection_sync_request

    for connection in linked:
        connection_sync_request(connection, trigger=trigger, defer=True)
