"""A sync that cannot run right now never turns a person's request into a 500: with eager Celery
(tests, dev) a transient failure is answered like any other outcome, and with the task queue down
connecting still connects, with the first sync queued for the retry sweep."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import responses
from kombu.exceptions import OperationalError

from integrations_core.models import ConnectionStatus, SyncOutcome, SyncRun
from integrations_core.providers.errors import ProviderUnavailable
from integrations_core.services.oauth import authorization_start
from integrations_core.tasks import sync_retry_due
from open_banking.models import BankConnection

from .fakes import TOKEN_URL

pytestmark = pytest.mark.django_db
BASE = "/api/v1/open-banking"


@pytest.fixture
def pending(make_connection):
    return make_connection(status=ConnectionStatus.PENDING, access_token="", refresh_token="", token_expires_at=None)


@pytest.fixture
def bank_token():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(TOKEN_URL, json={"access_token": "new-access-XYZ", "refresh_token": "new-refresh-XYZ",
                                   "expires_in": 3600, "token_type": "Bearer"})
        yield mock


@pytest.fixture
def queue_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async", refuse)
    return monkeypatch


def state_for(connection) -> str:
    return parse_qs(urlparse(authorization_start(connection)).query)["state"][0]


def runs_of(connection) -> list[SyncRun]:
    return list(SyncRun.objects.filter(connection_id=connection.pk).order_by("started_at"))


def test_sync_now_with_a_transient_failure_answers_202_with_the_failed_run(api_client, connection, fake_provider):
    """Before: eagerly, the task's self.retry() raised Retry into the view, a 500."""
    fake_provider.failures["list_accounts"] = ProviderUnavailable()
    response = api_client.post(f"{BASE}/connections/{connection.pk}/sync/")
    assert response.status_code == 202
    run = response.json()["sync_run"]
    assert (run["outcome"], run["error_code"], run["next_action"]) == ("failed", "provider_down", "retry_later")
    assert BankConnection.objects.get(pk=connection.pk).next_sync_at is not None  # the sweep retries it


@pytest.mark.django_db(transaction=True)  # as in production: the request is not inside a transaction
def test_oauth_callback_with_a_transient_first_sync_failure_redirects(client, user, pending, fake_provider,
                                                                      bank_token):
    fake_provider.failures["list_accounts"] = ProviderUnavailable()
    client.force_login(user)
    response = client.get("/integrations/fakebank/callback/", {"code": "c0de", "state": state_for(pending)})
    assert response.status_code == 302 and response["Location"] == f"/connections/?connected={pending.pk}"
    assert BankConnection.objects.get(pk=pending.pk).status == ConnectionStatus.ACTIVE
    assert [(r.trigger, r.outcome, r.error_code) for r in runs_of(pending)] == [
        ("connect", SyncOutcome.FAILED, "provider_down")]


@pytest.mark.django_db(transaction=True)  # as in production: the request is not inside a transaction
def test_oauth_callback_with_the_queue_down_connects_and_queues_the_first_sync(
        client, user, pending, fake_provider, bank_token, queue_down):
    """Before: a 500, and an active connection with no run at all."""
    client.force_login(user)
    response = client.get("/integrations/fakebank/callback/", {"code": "c0de", "state": state_for(pending)},
                          follow=True)
    assert response.status_code == 200
    assert "It will start by itself" in response.content.decode()
    connection = BankConnection.objects.get(pk=pending.pk)
    assert connection.status == ConnectionStatus.ACTIVE and connection.access_token == "new-access-XYZ"
    [run] = runs_of(connection)
    assert (run.trigger, run.outcome, run.error_code) == ("connect", SyncOutcome.QUEUED, "queue_unavailable")
    assert run.error

    queue_down.undo()  # the broker is back: the retry sweep starts it, and fills in that run
    assert sync_retry_due() == 1
    [run] = runs_of(connection)
    assert (run.trigger, run.outcome, run.error_code) == ("connect", SyncOutcome.SUCCEEDED, "")


def test_app_complete_with_the_queue_down_connects_and_queues_the_first_sync(
        api_client, pending, fake_provider, bank_token, queue_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/connections/{pending.pk}/complete/",
                                   {"code": "c0de", "state": state_for(pending)}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "active"
    [run] = runs_of(pending)
    assert (run.outcome, run.error_code) == (SyncOutcome.QUEUED, "queue_unavailable")
