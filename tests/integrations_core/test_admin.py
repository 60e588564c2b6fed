"""The operators' console: connections inspectable, secrets never shown, actions work."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from integrations_core.admin import ConnectionAdminBase
from integrations_core.models import AuditEvent, ConnectionStatus, SyncRun
from integrations_core.services.sync import connection_sync
from open_banking.models import BankConnection

pytestmark = pytest.mark.django_db
SECRETS = ("access-token-secret-AAA", "refresh-token-secret-BBB")


@pytest.fixture
def operator(make_user):
    return make_user("ops@example.com", is_staff=True, is_superuser=True)


def test_every_concrete_connection_model_uses_the_base_admin():
    assert isinstance(site._registry[BankConnection], ConnectionAdminBase)


def test_connection_pages_never_show_secrets(client, operator, connection, fake_provider):
    connection_sync(connection)
    client.force_login(operator)
    pages = [
        reverse("admin:open_banking_bankconnection_changelist"),
        reverse("admin:open_banking_bankconnection_change", args=[connection.pk]),
        reverse("admin:integrations_core_syncrun_changelist"),
        reverse("admin:integrations_core_syncrun_change", args=[SyncRun.objects.get().pk]),
        reverse("admin:integrations_core_auditevent_changelist"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body, url


def test_changelist_filters_and_search(client, operator, connection):
    client.force_login(operator)
    url = reverse("admin:open_banking_bankconnection_changelist")
    assert client.get(url, {"status__exact": "active", "provider__exact": "fakebank"}).status_code == 200
    response = client.get(url, {"q": "alice@example.com"})
    assert response.status_code == 200 and str(connection.pk) in response.content.decode()


def test_sync_runs_and_audit_are_read_only(client, operator, connection, fake_provider):
    connection_sync(connection)
    client.force_login(operator)
    run = SyncRun.objects.get()
    assert client.post(reverse("admin:integrations_core_syncrun_delete", args=[run.pk])).status_code == 403
    assert client.get(reverse("admin:integrations_core_auditevent_add")).status_code == 403


def test_sync_now_action(client, operator, connection, fake_provider, django_capture_on_commit_callbacks):
    client.force_login(operator)
    url = reverse("admin:open_banking_bankconnection_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "sync_now", "_selected_action": [connection.pk]})
    assert response.status_code == 302
    assert SyncRun.objects.filter(connection_id=connection.pk, trigger="manual").count() == 1


def test_sync_now_skips_connections_with_nothing_to_fetch(client, operator, user, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from open_banking.services.manual import manual_account_create

    manual = manual_account_create(user=user, name="Cash tin", type="current", currency="GBP",
                                   balance=Decimal("40")).connection
    client.force_login(operator)
    url = reverse("admin:open_banking_bankconnection_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "sync_now", "_selected_action": [manual.pk]}, follow=True)
    assert "Queued 0 sync(s). Skipped 1" in response.content.decode()
    assert not SyncRun.objects.filter(connection_id=manual.pk).exists()


def test_sync_now_skips_a_connection_the_provider_asked_us_to_wait_on_and_audits_the_rest(
        client, operator, connection, fake_provider, django_capture_on_commit_callbacks):
    """The admin action refuses what the person's button refuses (connection_sync_refusal)."""
    from datetime import timedelta

    from django.utils import timezone

    from integrations_core.models import AuditEvent

    connection.retry_after = timezone.now() + timedelta(minutes=30)
    connection.save(update_fields=["retry_after"])
    client.force_login(operator)
    url = reverse("admin:open_banking_bankconnection_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "sync_now", "_selected_action": [connection.pk]}, follow=True)
    assert "Queued 0 sync(s). Skipped 1: not active, waiting on the provider" in response.content.decode()
    assert not SyncRun.objects.filter(connection_id=connection.pk).exists()

    connection.retry_after = None
    connection.save(update_fields=["retry_after"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "sync_now", "_selected_action": [connection.pk]})
    assert SyncRun.objects.filter(connection_id=connection.pk, trigger="manual").count() == 1
    assert AuditEvent.objects.filter(action="connection.sync_requested", actor=operator).count() == 1


def test_revoke_action_calls_provider_erases_tokens_and_audits(client, operator, connection, fake_provider):
    client.force_login(operator)
    url = reverse("admin:open_banking_bankconnection_changelist")
    # The action asks first: nothing is revoked until the operator confirms.
    asked = client.post(url, {"action": "revoke", "_selected_action": [connection.pk]})
    assert asked.status_code == 200 and "Yes, revoke 1 connection" in asked.content.decode()
    connection.refresh_from_db()
    assert connection.status != ConnectionStatus.REVOKED
    client.post(url, {"action": "revoke", "_selected_action": [connection.pk], "confirm": "yes"})
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED
    assert (connection.access_token, connection.refresh_token) == ("", "")
    assert fake_provider.revoked == [connection.pk]
    event = AuditEvent.objects.get(action="connection.revoked")
    assert event.actor == operator and event.connection_id == connection.pk
    assert event.details["provider_revoked"] is True
