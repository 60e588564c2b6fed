"""The Connections page: institutions, connect, Sync now (with its JSON progress), reconnect and
disconnect, all through the same open_banking services the API uses."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import responses
from django.test import Client
from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncOutcome, SyncRun
from open_banking.models import BankAccount, BankConnection, Institution

from .conftest import TL_AUTH, make_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def institutions(db):
    Institution.objects.create(provider="truelayer", external_id="ob-monzo", name="Monzo", country="GB",
                               logo_url="https://example.test/monzo.svg")
    Institution.objects.create(provider="truelayer", external_id="ob-lloyds", name="Lloyds", country="GB")
    Institution.objects.create(provider="gocardless", external_id="MONZO_MONZGB2L", name="Monzo", country="GB")


def test_lists_institutions_with_logos_and_search(web, institutions):
    page = web.get("/connections/").content.decode()
    assert "Monzo" in page and "Lloyds" in page and "https://example.test/monzo.svg" in page
    assert 'value="truelayer"' in page  # the provider the Connect buttons use
    searched = web.get("/connections/", {"q": "mon"}).content.decode()
    assert "Connect<span class=\"visually-hidden\"> Monzo" in searched
    assert "Lloyds" not in searched
    gocardless = web.get("/connections/", {"provider": "gocardless"}).content.decode()
    assert 'value="MONZO_MONZGB2L"' in gocardless and "Lloyds" not in gocardless


def test_connect_sends_the_person_to_the_bank(web, user, institutions):
    response = web.post("/connections/connect/", {"provider": "truelayer", "institution": "ob-monzo"})
    assert response.status_code == 302
    assert response["Location"].startswith(TL_AUTH) and "provider_id=ob-monzo" in response["Location"]
    connection = BankConnection.objects.get(user=user)
    assert (connection.status, connection.institution_name) == (ConnectionStatus.PENDING, "Monzo")


def test_connect_refusal_is_shown_in_plain_words(web, user, institutions):
    response = web.post("/connections/connect/", {"provider": "truelayer", "institution": "ob-nowhere"},
                        follow=True)
    assert "Unknown institution for this provider." in response.content.decode()
    assert not BankConnection.objects.filter(user=user).exists()


def test_connect_is_throttled_like_the_api(web, institutions, monkeypatch):
    from integrations_core.api.throttles import ConnectionCreateThrottle

    monkeypatch.setattr(ConnectionCreateThrottle, "rate", "1/hour", raising=False)
    assert web.post("/connections/connect/", {"provider": "truelayer", "institution": "ob-monzo"}).status_code == 302
    refused = web.post("/connections/connect/", {"provider": "truelayer", "institution": "ob-monzo"}, follow=True)
    assert "started a lot of connections" in refused.content.decode()


STATE_WORDS = [
    ({"status": "active"}, "Connected", "Sync now"),
    ({"status": "reauth_required", "last_error_code": "consent_expired"}, "Reconnect needed", "Reconnect"),
    ({"status": "active", "last_error_code": "rate_limited", "retry_after": timezone.now() + timedelta(hours=1)},
     "Paused by the bank", "Try again after"),
    ({"status": "active", "last_error_code": "provider_down"}, "Bank not responding", "retry automatically"),
    ({"status": "error", "last_error_code": "internal_error", "last_error": "Something broke."}, "Update failed",
     "Something broke. We&#x27;ll keep trying"),
    ({"status": "expired", "consent_expires_at": timezone.now() - timedelta(days=1)}, "Permission ended",
     "Reconnect to start updating again"),
    ({"status": "pending"}, "Not finished", "Continue connecting"),
]


@pytest.mark.parametrize(("fields", "headline", "words"), STATE_WORDS)
def test_every_state_has_plain_words_and_an_action(web, user, fields, headline, words):
    make_connection(user, **fields)
    page = web.get("/connections/").content.decode()
    assert headline in page and words in page


def test_revoked_connections_are_listed_apart(web, user):
    make_connection(user, status="revoked", institution_name="Old Bank")
    page = web.get("/connections/").content.decode()
    assert "Disconnected banks (1)" in page and 'class="card connection"' not in page
    assert "deleted 30 days after disconnecting" in page


def test_sync_now_answers_a_run_to_watch_then_the_redrawn_card(web, user, queue_only):
    connection = make_connection(user)
    response = web.post(f"/connections/{connection.pk}/sync/", HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    body = response.json()
    assert (body["outcome"], body["finished"]) == ("queued", False)
    assert body["message"] == "Waiting for the sync to start…"
    run = SyncRun.objects.get(pk=body["run"])
    assert run.trigger == "manual"

    SyncRun.objects.filter(pk=run.pk).update(outcome=SyncOutcome.RUNNING)
    assert web.get(body["status_url"]).json()["message"] == "Syncing with your bank…"
    SyncRun.objects.filter(pk=run.pk).update(outcome=SyncOutcome.SUCCEEDED, added=12, updated=1,
                                             finished_at=timezone.now())
    done = web.get(body["status_url"]).json()
    assert done["finished"] and done["message"] == "Up to date: 12 new, 1 updated transactions."
    assert f'id="connection-{connection.pk}"' in done["card_html"] and "csrfmiddlewaretoken" in done["card_html"]


def test_sync_now_without_javascript_redirects_with_a_message(web, user, queue_only):
    connection = make_connection(user)
    response = web.post(f"/connections/{connection.pk}/sync/", follow=True)
    assert response.redirect_chain[-1][0] == "/connections/"
    assert "Waiting for the sync to start" in response.content.decode()


def test_sync_refused_in_plain_words(web, user):
    connection = make_connection(user, status="reauth_required")
    response = web.post(f"/connections/{connection.pk}/sync/", HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reauth_required"
    waiting = make_connection(user, retry_after=timezone.now() + timedelta(minutes=30),
                              last_error_code="rate_limited")
    page = web.post(f"/connections/{waiting.pk}/sync/", follow=True).content.decode()
    assert "asked us to wait" in page


def test_sync_reports_a_queue_outage(web, user, monkeypatch):
    from kombu.exceptions import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async", down)
    connection = make_connection(user)
    response = web.post(f"/connections/{connection.pk}/sync/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503 and response.json()["error"]["code"] == "queue_unavailable"


def test_reconnect_starts_a_new_consent(web, user):
    connection = make_connection(user, status="reauth_required")
    response = web.post(f"/connections/{connection.pk}/reconnect/")
    assert response.status_code == 302 and response["Location"].startswith(TL_AUTH)


def test_disconnect_asks_first_then_revokes_through_the_service(web, user, rsps):
    rsps.add(responses.DELETE, re.compile(rf"{TL_AUTH}/.*"), status=200)
    connection = make_connection(user)
    BankAccount.objects.create(connection=connection, external_id="a", name="Current", currency="GBP")
    confirm = web.get(f"/connections/{connection.pk}/disconnect/")
    assert confirm.status_code == 200 and "Disconnect Lloyds?" in confirm.content.decode()
    assert "for 30 days" in confirm.content.decode()
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE, "a GET never disconnects"

    done = web.post(f"/connections/{connection.pk}/disconnect/", follow=True)
    assert "Disconnected Lloyds." in done.content.decode()
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED and connection.access_token == ""
    assert BankAccount.objects.filter(connection=connection).exists(), "kept unless asked"


def test_disconnect_can_delete_the_data(web, user, rsps):
    rsps.add(responses.DELETE, re.compile(rf"{TL_AUTH}/.*"), status=200)
    connection = make_connection(user)
    BankAccount.objects.create(connection=connection, external_id="a", name="Current", currency="GBP")
    web.post(f"/connections/{connection.pk}/disconnect/", {"delete_data": "on"})
    assert not BankAccount.objects.filter(connection=connection).exists()


def test_another_persons_connection_is_a_404(web, other_user, queue_only):
    theirs = make_connection(other_user)
    run = SyncRun.objects.create(user=other_user, connection_type_id=_ct(theirs), connection_id=theirs.pk,
                                 provider="truelayer")
    assert web.post(f"/connections/{theirs.pk}/sync/").status_code == 404
    assert web.get(f"/connections/{theirs.pk}/sync-runs/{run.pk}/").status_code == 404
    assert web.post(f"/connections/{theirs.pk}/reconnect/").status_code == 404
    assert web.get(f"/connections/{theirs.pk}/disconnect/").status_code == 404
    assert web.post(f"/connections/{theirs.pk}/disconnect/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ConnectionStatus.ACTIVE


def test_a_run_of_another_connection_is_a_404(web, user):
    mine, other = make_connection(user), make_connection(user)
    run = SyncRun.objects.create(user=user, connection_type_id=_ct(other), connection_id=other.pk,
                                 provider="truelayer")
    assert web.get(f"/connections/{mine.pk}/sync-runs/{run.pk}/").status_code == 404


def test_posts_need_a_csrf_token(user, queue_only):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    connection = make_connection(user)
    assert client.post(f"/connections/{connection.pk}/sync/").status_code == 403
    assert client.post(f"/connections/{connection.pk}/disconnect/").status_code == 403
    assert client.post("/connections/connect/", {"provider": "truelayer"}).status_code == 403


def _ct(connection) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(connection).pk


def test_a_bank_listed_by_two_providers_is_shown_once_through_the_preferred_one(web, institutions, settings):
    page = web.get("/connections/", {"q": "monzo"}).content.decode()
    assert page.count('Connect<span class="visually-hidden"> Monzo') == 1
    assert 'value="ob-monzo"' in page and 'value="MONZO_MONZGB2L"' not in page
    settings.BANK_PROVIDER_PREFERENCE = ["gocardless", "truelayer"]  # the operators prefer GoCardless
    page = web.get("/connections/", {"q": "monzo"}).content.decode()
    assert 'value="MONZO_MONZGB2L"' in page and 'value="ob-monzo"' not in page


def test_home_country_banks_come_first(web, institutions):
    Institution.objects.create(provider="gocardless", external_id="AAA_BANK_DE", name="Aachener Bank", country="DE")
    page = web.get("/connections/").content.decode()
    assert page.index("Lloyds") < page.index("Aachener Bank")


def test_each_connection_card_lists_its_accounts(web, user):
    for n, names in enumerate((["Everyday", "Bills pot"], ["ISA Saver"])):
        connection = make_connection(user, institution_name="Santander UK")
        for name in names:
            BankAccount.objects.create(connection=connection, external_id=f"{n}-{name}", name=name, type="current",
                                       currency="GBP")
    page = web.get("/connections/").content.decode()
    assert page.count('aria-label="Accounts in this connection"') == 2
    assert "Everyday" in page and "Bills pot" in page and "ISA Saver" in page
