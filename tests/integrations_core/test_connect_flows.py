"""Connect flows as registry entries; the API-key flow: a key is checked before it is stored,
stored only encrypted, and never shown again; nothing is stored when the check fails."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection as db
from django.test import override_settings

from integrations_core.checks import check_connect_flows
from integrations_core.connect.api_key import ApiKeyFlow
from integrations_core.connect.base import ConnectError
from integrations_core.connect.registry import UnknownFlow, flow_for, flows
from integrations_core.models import AuditEvent, ConnectionStatus, SyncRun
from integrations_core.providers.base import AuthType, Family, Provider
from integrations_core.providers.errors import RateLimited, ScopeMissing
from integrations_core.providers.registry import registry
from integrations_core.services.connections import connection_revoke
from integrations_core.services.oauth import AuthorizationError, authorization_start
from open_banking.models import BankConnection

from .connect_fakes import BAD_SECRET, VALID_SECRET, FakeKeyProvider

pytestmark = pytest.mark.django_db

URL = "/api/v1/connections/"


@pytest.fixture(autouse=True)
def clear_cache():
    """Throttle counters live in the cache; one test's requests must not throttle the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def key_provider():
    provider = FakeKeyProvider()
    registry.register(provider)
    yield provider
    registry.unregister(provider.slug)


def body(secret=VALID_SECRET, **extra):
    return {"provider": "fakekey", "credentials": {"key_id": "77", "secret": secret, "environment": "demo", **extra}}


def raw_connection_rows() -> str:
    with db.cursor() as cursor:
        cursor.execute(f"SELECT credentials, access_token, external_id FROM {BankConnection._meta.db_table}")  # noqa: S608
        return repr(cursor.fetchall())


def test_valid_key_connects_active_encrypted_and_queues_the_first_sync(api_client, user, key_provider,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(URL, body(), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["next"] == "none"
    assert VALID_SECRET not in response.content.decode()
    connection = BankConnection.objects.get(provider="fakekey")
    assert str(connection.pk) == response.json()["connection"]["id"]
    assert connection.user == user and connection.status == ConnectionStatus.ACTIVE
    assert connection.external_id == "acct-77" and connection.institution_name == "Fake Broker ISA"
    assert connection.credentials == {"key_id": "77", "secret": VALID_SECRET, "environment": "demo"}
    raw = raw_connection_rows()
    assert "acct-77" in raw  # the row is there...
    assert VALID_SECRET not in raw and "environment" not in raw  # ...its credentials only as ciphertext
    run = SyncRun.objects.get(connection_id=connection.pk)
    assert run.trigger == "connect"
    assert key_provider.synced_with == [connection.credentials]  # the first sync used the stored key
    event = AuditEvent.objects.get(action="connection.authorized", connection_id=connection.pk)
    assert VALID_SECRET not in json.dumps(event.details) and event.actor == user


def test_a_second_key_for_the_same_platform_account_updates_that_connection(api_client, key_provider):
    assert api_client.post(URL, body(), format="json").status_code == 201
    assert api_client.post(URL, body(), format="json").status_code == 201
    assert BankConnection.objects.filter(provider="fakekey").count() == 1


def test_bad_key_stores_nothing_and_says_so(api_client, key_provider, caplog):
    caplog.set_level(logging.DEBUG)
    response = api_client.post(URL, body(secret=BAD_SECRET), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "auth_error" and "did not accept" in error["message"]
    assert "credentials" in error["fields"]
    assert BAD_SECRET not in response.content.decode() and BAD_SECRET not in caplog.text
    assert not BankConnection.objects.filter(provider="fakekey").exists()
    assert not AuditEvent.objects.filter(provider="fakekey").exists()
    assert key_provider.checks == 1


def test_missing_scope_is_named_and_nothing_is_stored(api_client, key_provider):
    key_provider.check_error = ScopeMissing(scope="history:orders", status=403)
    response = api_client.post(URL, body(), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "scope_missing"
    assert "history:orders" in error["message"] and "history:orders" in error["fields"]["credentials"][0]
    assert not BankConnection.objects.filter(provider="fakekey").exists()


def test_rate_limited_check_says_when_to_try_again_and_stores_nothing(api_client, key_provider):
    key_provider.check_error = RateLimited(retry_after=29.2)
    response = api_client.post(URL, body(), format="json")
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert "try again in 30 seconds" in response.json()["error"]["message"]
    assert not BankConnection.objects.filter(provider="fakekey").exists()


def test_rate_limit_without_a_wait_uses_the_providers_default(key_provider, user):
    key_provider.check_error = RateLimited()
    with pytest.raises(ConnectError) as exc:
        ApiKeyFlow().complete(user=user, provider=key_provider, connection=None,
                              data={"credentials": body()["credentials"]})
    assert exc.value.retry_after == 45 and "45 seconds" in exc.value.message


def test_required_and_choice_fields_are_validated_before_any_call(api_client, key_provider):
    response = api_client.post(URL, {"provider": "fakekey", "credentials": {"key_id": "77", "environment": "moon"}},
                               format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["credentials.secret"] == ["Secret is required."]
    assert "credentials.environment" in fields and "moon" not in fields["credentials.environment"][0]
    assert key_provider.checks == 0
    assert not BankConnection.objects.filter(provider="fakekey").exists()


def test_without_credentials_the_form_is_described_and_nothing_is_stored(api_client, key_provider):
    response = api_client.post(URL, {"provider": "fakekey"}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["next"] == "form" and data["connection"] is None
    assert [(f["name"], f["secret"]) for f in data["fields"]] == [("key_id", False), ("secret", True),
                                                                   ("environment", False)]
    assert data["fields"][2]["choices"] == [["demo", "Practice"], ["live", "Live"]]
    assert not BankConnection.objects.filter(provider="fakekey").exists()


def test_unknown_provider_is_a_field_error(api_client):
    response = api_client.post(URL, {"provider": "nope"}, format="json")
    assert response.status_code == 400 and "provider" in response.json()["error"]["fields"]


def test_redirect_provider_through_the_generic_endpoint(api_client, fake_provider):
    response = api_client.post(URL, {"provider": "fakebank"}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["next"] == "redirect" and data["authorization_url"].startswith("https://auth.fakebank.test/")
    assert BankConnection.objects.get(pk=data["connection"]["id"]).status == ConnectionStatus.PENDING


def test_key_never_on_admin_pages(client, make_user, api_client, key_provider):
    assert api_client.post(URL, body(), format="json").status_code == 201
    connection = BankConnection.objects.get(provider="fakekey")
    client.force_login(make_user("ops@example.com", is_staff=True, is_superuser=True))
    for page in ["/admin/open_banking/bankconnection/", f"/admin/open_banking/bankconnection/{connection.pk}/change/",
                 "/admin/integrations_core/auditevent/"]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert VALID_SECRET not in response.content.decode(), page


def test_revoke_erases_the_key(api_client, key_provider):
    assert api_client.post(URL, body(), format="json").status_code == 201
    connection = BankConnection.objects.get(provider="fakekey")
    connection_revoke(connection)
    fresh = BankConnection.objects.get(pk=connection.pk)
    assert fresh.credentials == {} and fresh.status == ConnectionStatus.REVOKED


def test_a_new_key_through_complete_replaces_the_old_one(api_client, key_provider):
    assert api_client.post(URL, body(), format="json").status_code == 201
    connection = BankConnection.objects.get(provider="fakekey")
    response = api_client.post(f"/api/v1/connections/{connection.pk}/complete/",
                               {"credentials": {"key_id": "77", "secret": BAD_SECRET}}, format="json")
    assert response.status_code == 400
    assert BankConnection.objects.get(pk=connection.pk).credentials["secret"] == VALID_SECRET  # untouched


def test_authorization_start_refuses_a_provider_without_a_redirect_flow(key_provider, user):
    connection = BankConnection.objects.create(user=user, provider="fakekey")
    with pytest.raises(AuthorizationError) as exc:
        authorization_start(connection)
    assert exc.value.code == "not_redirect_provider"


class NoAuthProvider(Provider):
    slug = "noauth"
    name = "No auth"
    family = Family.INVESTMENTS
    auth_type = AuthType.NONE
    connection_model = "open_banking.BankConnection"


class NoAuthFlow:
    kind = "form"

    def start(self, *, user, provider, data):
        raise NotImplementedError

    def complete(self, *, user, provider, connection, data):
        raise NotImplementedError


def test_e005_fires_for_an_auth_type_without_a_flow_and_a_settings_entry_fixes_it():
    assert [e.id for e in check_connect_flows(None)] == []  # every installed provider has its flow
    registry.register(NoAuthProvider())
    try:
        errors = check_connect_flows(None)
        assert [e.id for e in errors] == ["integrations.E005"] and "noauth" in errors[0].msg
        with pytest.raises(UnknownFlow):
            flow_for(NoAuthProvider())
        from django.conf import settings

        mapping = {**settings.CONNECT_FLOWS, "none": "tests.integrations_core.test_connect_flows.NoAuthFlow"}
        with override_settings(CONNECT_FLOWS=mapping):
            flows.load()
        assert isinstance(flow_for(NoAuthProvider()), NoAuthFlow)
        assert check_connect_flows(None) == []
    finally:
        registry.unregister("noauth")
        flows.load()


def test_a_flow_that_does_not_load_is_reported():
    try:
        flows.load({"api_key": "integrations_core.connect.nowhere.Flow"})
        assert [e.id for e in check_connect_flows(None) if e.id == "integrations.E006"] == ["integrations.E006"]
    finally:
        flows.load()
