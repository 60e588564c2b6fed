"""Tokens are unreadable in the raw database and absent from the API, admin pages and logs."""

from __future__ import annotations

import logging

import pytest
from django.db import connection as db
from django.utils import timezone

from integrations_core.services.sync import connection_sync
from open_banking.models import BankConnection
from open_banking.providers.gocardless.models import ServerToken

from .providers.test_gocardless import TestGoCardlessContract
from .providers.test_truelayer import TestTrueLayerContract

SECRETS = ("tl-access-token-SECRET-0001", "tl-refresh-token-SECRET-0001", "gc-access-token-SECRET-0001",
           "gc-refresh-token-SECRET-0001", "test-client-secret-XYZ", "test-secret-key-XYZ")


def _raw_rows(table: str, columns: str) -> str:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608 - fixed names, test only
        return repr(cursor.fetchall())


def test_tokens_are_unreadable_in_the_raw_database(bank_data, rsps):
    gc = TestGoCardlessContract()
    gc_connection = gc.make_connection(bank_data["connection"].user, rsps)
    gc.register_data(rsps, gc.recorded_payloads())
    connection_sync(gc_connection)
    assert ServerToken.objects.get().access_token == "gc-access-token-SECRET-0001"  # readable through the ORM
    raw = _raw_rows(BankConnection._meta.db_table, "access_token, refresh_token, credentials")
    raw += _raw_rows(ServerToken._meta.db_table, "access_token, refresh_token")
    for secret in SECRETS:
        assert secret not in raw
    assert "SECRET" not in raw


def test_no_secret_in_any_api_response(api_client, bank_data):
    for path in ("connections/", f"connections/{bank_data['connection'].pk}/", "accounts/", "transactions/",
                 f"accounts/{bank_data['current'].pk}/balances/"):
        text = api_client.get(f"/api/v1/open-banking/{path}").content.decode()
        for secret in SECRETS:
            assert secret not in text, path


@pytest.fixture
def admin_client_logged_in(client, make_user):
    admin = make_user("ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_no_secret_on_admin_pages_and_they_render(admin_client_logged_in, bank_data, rsps):
    connection = bank_data["connection"]
    tl = TestTrueLayerContract()
    tl.register_data(rsps, tl.recorded_payloads())
    connection_sync(connection)
    ServerToken.objects.create(key="k", provider="gocardless", access_token="gc-access-token-SECRET-0001",
                               refresh_token="gc-refresh-token-SECRET-0001", access_expires_at=timezone.now())
    pages = ["/admin/open_banking/bankconnection/", f"/admin/open_banking/bankconnection/{connection.pk}/change/",
             "/admin/open_banking/bankaccount/", f"/admin/open_banking/bankaccount/{bank_data['current'].pk}/change/",
             "/admin/open_banking/banktransaction/", "/admin/open_banking/banktransaction/?q=amazon",
             f"/admin/open_banking/banktransaction/{bank_data['txns']['t1'].pk}/change/",
             "/admin/open_banking/balancesnapshot/", "/admin/open_banking/institution/",
             "/admin/gocardless/quotaledger/", "/admin/gocardless/servertoken/",
             "/admin/integrations_core/syncrun/"]
    for page in pages:
        response = admin_client_logged_in.get(page)
        assert response.status_code == 200, page
        text = response.content.decode()
        for secret in SECRETS:
            assert secret not in text, (page, secret)
    detail = admin_client_logged_in.get(f"/admin/open_banking/bankconnection/{connection.pk}/change/")
    assert "Recent sync runs" in detail.content.decode() and "Per account" in detail.content.decode()


def test_no_secret_in_logs_through_connect_sync_and_revoke(user, rsps, caplog, django_capture_on_commit_callbacks):
    from integrations_core.models import OAuthState
    from integrations_core.services.oauth import authorization_complete
    from open_banking.models import Institution
    from open_banking.services import bank_connection_initiate, bank_connection_revoke

    caplog.set_level(logging.DEBUG)
    Institution.objects.create(provider="truelayer", external_id="ob-lloyds", name="Lloyds")
    tl = TestTrueLayerContract()
    tl.register_connect(rsps)
    tl.register_data(rsps, tl.recorded_payloads())
    authorization = bank_connection_initiate(user=user, provider_slug="truelayer", institution_id="ob-lloyds")
    state = OAuthState.objects.get(connection_id=authorization.connection.pk).state
    with django_capture_on_commit_callbacks(execute=True):
        connection = authorization_complete(user=user, provider_slug="truelayer", state=state, code="auth-code-123",
                                            params={"code": "auth-code-123", "state": state})
    tl.expire_credentials(connection)
    tl.register_refresh(rsps)
    connection_sync(connection)
    tl.register_revoke(rsps)
    bank_connection_revoke(connection)
    assert caplog.records, "DEBUG logging was captured"
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (*SECRETS, "tl-access-token-SECRET-0002", "auth-code-123", state):
        assert secret not in text
