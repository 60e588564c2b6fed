"""The first sync after connecting is shown with its progress, a second "Sync now" follows the
running one instead of ending in "another sync is already running", and a reconnect says so."""

from __future__ import annotations

import pytest

from integrations_core.models import SyncOutcome, SyncRun
from integrations_core.services.sync import connection_sync_request
from integrations_core.services.sync_queue import sync_run_new

from .conftest import make_connection

pytestmark = pytest.mark.django_db


def test_the_connections_page_follows_a_first_sync_under_way(web, user, queue_only):
    connection = make_connection(user, last_synced_at=None)
    run = connection_sync_request(connection, trigger="connect")
    page = web.get("/connections/").content.decode()
    status_url = f"/connections/{connection.pk}/sync-runs/{run.pk}/"
    assert f'data-sync-status-url="{status_url}"' in page
    assert "Fetching your accounts for the first time" in page
    assert '<div class="sync-progress">' in page  # shown, not hidden


def test_a_second_sync_now_follows_the_running_one(web, user, queue_only):
    connection = make_connection(user)
    first = web.post(f"/connections/{connection.pk}/sync/", HTTP_ACCEPT="application/json").json()
    SyncRun.objects.filter(pk=first["run"]).update(outcome=SyncOutcome.RUNNING)
    second = web.post(f"/connections/{connection.pk}/sync/", HTTP_ACCEPT="application/json")
    assert second.status_code == 202 and second.json()["run"] == first["run"]
    assert "already running" not in second.json()["message"]
    assert SyncRun.objects.filter(connection_id=connection.pk).count() == 1
    # Once it finishes the card is an ordinary one again: nothing left spinning.
    SyncRun.objects.filter(pk=first["run"]).update(outcome=SyncOutcome.SUCCEEDED)
    assert "data-sync-status-url" not in web.get("/connections/").content.decode()


def test_a_second_sync_without_javascript_says_it_is_under_way(web, user, queue_only):
    connection = make_connection(user)
    web.post(f"/connections/{connection.pk}/sync/")
    response = web.post(f"/connections/{connection.pk}/sync/", follow=True)
    assert "A sync is already under way" in response.content.decode()


@pytest.mark.parametrize("synced_before, expected", [
    (False, "Connected Lloyds. We are fetching your accounts for the first time"),
    (True, "Reconnected Lloyds. We are fetching what is new since the last sync"),
])
def test_the_callback_says_connected_or_reconnected(web, user, monkeypatch, synced_before, expected):
    from django.utils import timezone

    connection = make_connection(user, last_synced_at=timezone.now() if synced_before else None)
    if synced_before:
        sync_run_new(connection, "scheduled", outcome=SyncOutcome.SUCCEEDED).save()
    sync_run_new(connection, "connect", outcome=SyncOutcome.RUNNING).save()
    monkeypatch.setattr("integrations_core.views.authorization_complete", lambda **kwargs: connection)
    response = web.get("/integrations/truelayer/callback/", {"code": "c", "state": "s"}, follow=True)
    page = response.content.decode()
    assert expected in page and "first sync is running" not in page
