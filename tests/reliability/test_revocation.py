"""Disconnecting through the API with the person's choice to delete their data: the provider's
revoke is called, tokens are erased, accounts and transactions go, an audit event records it.
The service-level and admin paths are in tests/integrations_core/test_retention.py and
test_admin.py; keeping the data is tests/open_banking/test_api.py::
test_delete_revokes_at_the_provider_and_keeps_history."""

from __future__ import annotations

import pytest

from integrations_core.models import AuditEvent, ConnectionStatus
from open_banking.models import BalanceSnapshot, BankAccount, BankConnection, BankTransaction
from tests.open_banking.conftest import TL_AUTH

pytestmark = pytest.mark.django_db


def test_disconnect_with_delete_data_erases_everything_and_is_audited(api_client, bank_data, rsps, user):
    rsps.delete(f"{TL_AUTH}/api/delete", json={})
    connection = bank_data["connection"]
    rows = BankTransaction.objects.filter(account__connection=connection).count()
    assert rows and BalanceSnapshot.objects.exists()

    response = api_client.delete(f"/api/v1/open-banking/connections/{connection.pk}/?delete_data=true")

    assert response.status_code == 204
    revoke = [c for c in rsps.calls if c.request.method == "DELETE"]
    assert len(revoke) == 1 and revoke[0].request.headers["Authorization"] == "Bearer tl-access-token-SECRET-0001"
    fresh = BankConnection.objects.get(pk=connection.pk)
    assert fresh.status == ConnectionStatus.REVOKED and fresh.revoked_at is not None
    assert (fresh.access_token, fresh.refresh_token, fresh.credentials, fresh.token_expires_at) == ("", "", {}, None)
    assert not BankAccount.objects.filter(connection=fresh).exists()
    assert not BankTransaction.objects.filter(account__connection=fresh).exists()
    assert not BalanceSnapshot.objects.filter(account__connection=fresh).exists()
    event = AuditEvent.objects.get(action="connection.revoked", connection_id=connection.pk)
    assert event.actor == user and event.details["provider_revoked"] is True
    assert event.details["data_deleted"] is True and event.details["rows_deleted"] >= rows


def test_disconnect_when_the_provider_fails_still_erases_our_tokens(api_client, bank_data, rsps):
    rsps.delete(f"{TL_AUTH}/api/delete", status=503, json={"error": "provider_error"})
    connection = bank_data["connection"]
    assert api_client.delete(f"/api/v1/open-banking/connections/{connection.pk}/").status_code == 204
    fresh = BankConnection.objects.get(pk=connection.pk)
    assert fresh.status == ConnectionStatus.REVOKED and fresh.access_token == ""
    assert AuditEvent.objects.get(action="connection.revoked", connection_id=connection.pk).details[
        "provider_revoked"] is False
    assert BankTransaction.objects.filter(account__connection=fresh).exists(), "kept: the person did not ask"
