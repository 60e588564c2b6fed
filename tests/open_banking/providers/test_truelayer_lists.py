"""TrueLayer: which lists a sync asks for. A list that answered nothing (an empty list, or 501)
is remembered and asked again a week of local days later, after a reconnect, or never when the
consent's scopes do not cover it (open_banking/providers/truelayer/provider.py, module docstring)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from integrations_core.models import ConnectionStatus, OAuthState, SyncOutcome
from integrations_core.services.oauth import authorization_complete
from integrations_core.services.sync import connection_sync
from open_banking.models import BankAccount, BankConnection
from open_banking.providers.truelayer.provider import LIST_RECHECK_DAYS, LISTS_KEY, SCOPES_KEY
from open_banking.services.connections import bank_connection_reconnect

from ..conftest import TL_AUTH
from . import test_truelayer  # the module, not its test class: the contract is collected there only
from .contract import load_payload
from .test_truelayer import ACCOUNT_ID, CARD_ID, DATA

LONDON = ZoneInfo("Europe/London")
contract = test_truelayer.TestTrueLayerContract()
NO_CARDS = {"json": {"results": [], "status": "Succeeded"}}
CARDS_NOT_SUPPORTED = {"status": 501, "json": {"error": "endpoint_not_supported"}}


@pytest.fixture
def payloads():
    return contract.recorded_payloads()


def make_connection(user, **fields) -> BankConnection:
    defaults = {"external_id": "credentials-1", "token_expires_at": timezone.now() - timedelta(hours=1)}
    connection = contract.make_connection(user, None)
    for name, value in {**defaults, **fields}.items():
        setattr(connection, name, value)
    connection.save()
    return connection


def sync(connection, rsps, payloads, *, cards=None):
    """One sync with fresh mocks; `cards` replaces the recorded /cards answer. Returns (run, the
    data paths asked)."""
    rsps.reset()
    rsps.post(f"{TL_AUTH}/connect/token", json=load_payload("truelayer", "token_refreshed"))
    if cards is not None:
        rsps.get(f"{DATA}/cards", **cards)
    contract.register_data(rsps, payloads)
    connection.refresh_from_db()
    connection.token_expires_at = timezone.now() - timedelta(hours=1)  # a day later: expired, as always
    connection.save(update_fields=["token_expires_at"])
    run = connection_sync(connection)
    asked = [c.request.url.split("?")[0].removeprefix(DATA) for c in rsps.calls if "/data/v1/" in c.request.url]
    return run, asked


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=LONDON), tick=False)


def test_an_empty_card_list_is_remembered_and_not_asked_the_next_day(db, user, rsps, payloads):
    connection = make_connection(user)
    with at(2026, 12, 1, 6, 30):
        run, asked = sync(connection, rsps, payloads, cards=NO_CARDS)
    # The first sync asks both lists: the account list is complete.
    assert "/cards" in asked and "/accounts" in asked
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert list(BankAccount.objects.values_list("external_id", flat=True)) == [ACCOUNT_ID]
    connection.refresh_from_db()
    assert connection.sync_state[LISTS_KEY]["cards"]["answer"] == "empty"
    first_calls = run.provider_calls

    with at(2026, 12, 2, 6, 30):
        run, asked = sync(connection, rsps, payloads, cards=NO_CARDS)
    assert "/cards" not in asked and "/accounts" in asked
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert run.provider_calls == first_calls - 1
    # token + /accounts + balance, booked and pending of the one account
    assert run.provider_calls == 5
    assert BankAccount.objects.get(external_id=ACCOUNT_ID).is_active


def test_endpoint_not_supported_is_remembered(db, user, rsps, payloads):
    connection = make_connection(user)
    with at(2026, 12, 1, 6, 30):
        sync(connection, rsps, payloads, cards=CARDS_NOT_SUPPORTED)
    connection.refresh_from_db()
    assert connection.sync_state[LISTS_KEY]["cards"]["answer"] == "not_supported"
    with at(2026, 12, 2, 6, 30):
        run, asked = sync(connection, rsps, payloads, cards=CARDS_NOT_SUPPORTED)
    assert "/cards" not in asked and run.outcome == SyncOutcome.SUCCEEDED


@pytest.mark.parametrize(("first", "last_skipped", "recheck"), [
    # across a month end
    ((2026, 11, 27, 6, 30), (2026, 12, 3, 23, 59), (2026, 12, 4, 0, 5)),
    # across the start of BST (28 Mar 2027): a week of local days is 167 hours here, and the
    # re-check runs earlier in the morning than the first sync did
    ((2027, 3, 27, 6, 30), (2027, 4, 2, 23, 0), (2027, 4, 3, 6, 0)),
    # across the end of BST (31 Oct 2027): 169 hours
    ((2027, 10, 30, 6, 30), (2027, 11, 5, 22, 0), (2027, 11, 6, 6, 0)),
])
def test_the_card_list_is_asked_again_a_week_of_local_days_later(db, user, rsps, payloads, first, last_skipped,
                                                                  recheck):
    assert LIST_RECHECK_DAYS == 7
    connection = make_connection(user)
    with at(*first):
        sync(connection, rsps, payloads, cards=NO_CARDS)
    with at(*last_skipped):
        _, asked = sync(connection, rsps, payloads, cards=NO_CARDS)
    assert "/cards" not in asked
    with at(*recheck):
        _, asked = sync(connection, rsps, payloads, cards=NO_CARDS)
    assert "/cards" in asked
    connection.refresh_from_db()
    noted = datetime.fromisoformat(connection.sync_state[LISTS_KEY]["cards"]["asked_at"])
    assert timezone.localdate(noted) == datetime(*recheck[:3]).date(), "the re-check starts a new week"


def test_a_bank_that_starts_answering_cards_is_picked_up_at_the_recheck(db, user, rsps, payloads):
    connection = make_connection(user)
    with at(2026, 12, 1, 6, 30):
        sync(connection, rsps, payloads, cards=NO_CARDS)
    with at(2026, 12, 7, 6, 30):
        _, asked = sync(connection, rsps, payloads)  # the bank lists the card now; not asked yet
    assert "/cards" not in asked
    assert not BankAccount.objects.filter(external_id=CARD_ID).exists()
    with at(2026, 12, 8, 6, 30):
        run, asked = sync(connection, rsps, payloads)
    assert "/cards" in asked and run.outcome == SyncOutcome.SUCCEEDED
    assert BankAccount.objects.get(external_id=CARD_ID).type == "credit_card"
    connection.refresh_from_db()
    assert LISTS_KEY not in connection.sync_state
    with at(2026, 12, 9, 6, 30):
        _, asked = sync(connection, rsps, payloads)
    assert "/cards" in asked, "a list that answers something is asked every sync"


def test_a_reconnect_forgets_the_notes_and_the_first_sync_asks_both_lists(
        db, user, rsps, payloads, django_capture_on_commit_callbacks):
    connection = make_connection(user)
    with at(2026, 12, 1, 6, 30):
        sync(connection, rsps, payloads, cards=NO_CARDS)
    connection.refresh_from_db()
    assert connection.sync_state[LISTS_KEY]

    with at(2026, 12, 2, 9, 0):
        connection.status = ConnectionStatus.REAUTH_REQUIRED
        connection.save(update_fields=["status"])
        bank_connection_reconnect(connection)
        state = OAuthState.objects.filter(connection_id=connection.pk).latest("created_at").state
        rsps.reset()
        contract.register_connect(rsps)
        contract.register_data(rsps, payloads)  # the new consent lists the card
        with django_capture_on_commit_callbacks(execute=True):
            authorization_complete(user=user, provider_slug="truelayer", state=state, code="c",
                                   params={"code": "c", "state": state})
    asked = [c.request.url.removeprefix(DATA) for c in rsps.calls if "/data/v1/" in c.request.url]
    assert "/cards" in asked
    assert set(BankAccount.objects.filter(is_active=True).values_list("external_id", flat=True)) == {
        ACCOUNT_ID, CARD_ID}
    connection.refresh_from_db()
    assert LISTS_KEY not in connection.sync_state
    assert "cards" in connection.sync_state[SCOPES_KEY]


def test_a_note_from_an_earlier_consent_does_not_skip(db, user, rsps, payloads):
    connection = make_connection(user)
    with at(2026, 12, 1, 6, 30):
        sync(connection, rsps, payloads, cards=NO_CARDS)
    BankConnection.objects.filter(pk=connection.pk).update(external_id="credentials-2")
    with at(2026, 12, 2, 6, 30):
        _, asked = sync(connection, rsps, payloads)
    assert "/cards" in asked
    assert BankAccount.objects.filter(external_id=CARD_ID, is_active=True).exists()


def test_a_consent_without_the_cards_scope_never_asks_for_cards(db, user, rsps, payloads):
    connection = make_connection(user, sync_state={SCOPES_KEY: ["accounts", "balance", "info", "offline_access",
                                                                "transactions"]})
    # The bank would refuse the call (403 access_denied: a reconnect, were it asked).
    for day in (1, 2, 20):
        with at(2026, 12, day, 6, 30):
            run, asked = sync(connection, rsps, payloads, cards={"status": 403, "json": {"error": "access_denied"}})
        assert "/cards" not in asked and run.outcome == SyncOutcome.SUCCEEDED
    assert list(BankAccount.objects.values_list("external_id", flat=True)) == [ACCOUNT_ID]


def test_the_scopes_granted_at_connect_are_kept(db, user, rsps):
    """From /me when the token response does not name them."""
    from open_banking.services import bank_connection_initiate

    authorization = bank_connection_initiate(user=user, provider_slug="truelayer")
    state = OAuthState.objects.get(connection_id=authorization.connection.pk).state
    token = load_payload("truelayer", "token")
    del token["scope"]
    me = load_payload("truelayer", "me")
    me["results"][0]["scopes"] = ["info", "accounts", "balance", "transactions", "offline_access"]
    rsps.post(f"{TL_AUTH}/connect/token", json=token)
    rsps.get(f"{DATA}/me", json=me)
    rsps.get(f"{DATA}/accounts", status=500, json={"error": "internal_error"})
    connection = authorization_complete(user=user, provider_slug="truelayer", state=state, code="c",
                                        params={"code": "c", "state": state})
    connection.refresh_from_db()
    assert connection.sync_state[SCOPES_KEY] == ["accounts", "balance", "info", "offline_access", "transactions"]


def test_a_narrower_scope_in_the_token_response_connects_and_is_kept(db, user, rsps):
    """A token response granting fewer scopes than asked (no `cards`) is a good grant: the connect
    goes through and the granted scopes are what the syncs go by."""
    from open_banking.services import bank_connection_initiate

    authorization = bank_connection_initiate(user=user, provider_slug="truelayer")
    state = OAuthState.objects.get(connection_id=authorization.connection.pk).state
    token = load_payload("truelayer", "token")
    token["scope"] = "info accounts balance transactions offline_access"
    rsps.post(f"{TL_AUTH}/connect/token", json=token)
    rsps.get(f"{DATA}/me", json=load_payload("truelayer", "me"))
    rsps.get(f"{DATA}/accounts", status=500, json={"error": "internal_error"})
    connection = authorization_complete(user=user, provider_slug="truelayer", state=state, code="c",
                                        params={"code": "c", "state": state})
    connection.refresh_from_db()
    assert connection.access_token == token["access_token"]
    assert connection.sync_state[SCOPES_KEY] == ["accounts", "balance", "info", "offline_access", "transactions"]


def test_both_lists_are_never_skipped_together(db, user, rsps, payloads):
    connection = make_connection(user)
    empty = {"json": {"results": [], "status": "Succeeded"}}
    with at(2026, 12, 1, 6, 30):
        rsps.reset()
        sync(connection, rsps, {**payloads, "accounts": empty["json"]}, cards=NO_CARDS)
    connection.refresh_from_db()
    assert set(connection.sync_state[LISTS_KEY]) == {"accounts", "cards"}
    with at(2026, 12, 2, 6, 30):
        _, asked = sync(connection, rsps, payloads)
    assert "/accounts" in asked and "/cards" in asked
