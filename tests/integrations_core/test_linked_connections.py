"""Linked connections (integrations_core/services/linked.py): one provider consent feeding a
connection in another family. Made once per family, no token of its own, kept in step with its
primary (reconnect needed, revoked, back to active), and a linked connection's own disconnect
never tells the provider (the consent is the primary's)."""

from __future__ import annotations

import pytest

from integrations_core.models import ConnectionLink, ConnectionStatus
from integrations_core.services.connections import connection_reauth_required, connection_revoke
from integrations_core.services.linked import (
    connection_primary,
    connections_linked,
    linked_connections_ensure,
)
from investments.models import InvestmentConnection

pytestmark = pytest.mark.django_db
INVESTMENTS = "investments.InvestmentConnection"


@pytest.fixture
def linking(fake_provider, monkeypatch):
    monkeypatch.setattr(type(fake_provider), "linked_connection_models", (INVESTMENTS,))
    return fake_provider


def test_one_linked_connection_per_family_with_no_secret(linking, connection):
    [linked] = linked_connections_ensure(connection)
    assert isinstance(linked, InvestmentConnection)
    assert (linked.user_id, linked.provider, linked.status) == (connection.user_id, connection.provider,
                                                                  ConnectionStatus.ACTIVE)
    assert linked.access_token == "" and linked.refresh_token == ""
    assert connection_primary(linked) == connection and connections_linked(connection) == [linked]
    assert linked_connections_ensure(connection) == [linked]  # idempotent
    assert ConnectionLink.objects.count() == 1 and InvestmentConnection.objects.count() == 1


def test_a_provider_without_linked_families_links_nothing(fake_provider, connection):
    assert linked_connections_ensure(connection) == [] and not ConnectionLink.objects.exists()


def test_a_failing_check_links_nothing_and_does_not_raise(linking, connection, monkeypatch):
    def boom(self, connection):
        raise RuntimeError("provider down")

    monkeypatch.setattr(type(linking), "linked_connection_models_for", boom)
    assert linked_connections_ensure(connection) == []


def test_the_linked_one_follows_reconnect_needed_and_comes_back(linking, connection):
    [linked] = linked_connections_ensure(connection)
    assert connection_reauth_required(connection, code="consent_expired")
    linked.refresh_from_db()
    assert linked.status == ConnectionStatus.REAUTH_REQUIRED
    connection.status = ConnectionStatus.ACTIVE
    connection.save()
    [again] = linked_connections_ensure(connection)  # the reconnect made the consent again
    assert again.pk == linked.pk and again.status == ConnectionStatus.ACTIVE


def test_revoking_the_primary_revokes_the_linked_and_tells_the_provider_once(linking, connection):
    [linked] = linked_connections_ensure(connection)
    connection_revoke(connection)
    linked.refresh_from_db()
    assert linked.status == ConnectionStatus.REVOKED and linked.revoked_at is not None
    assert linking.revoked == [connection.pk]


def test_revoking_only_the_linked_one_never_tells_the_provider(linking, connection):
    [linked] = linked_connections_ensure(connection)
    connection_revoke(linked)
    connection.refresh_from_db()
    assert linking.revoked == [] and connection.status == ConnectionStatus.ACTIVE
    assert connection.access_token  # the primary keeps its consent
