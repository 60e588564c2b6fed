"""History is never rewritten when time moves: for every today T in EDGE_TODAYS and every
advance d, each feed still serves, identically (id, time, amount, running balance), every
booked line it served at T that lies inside the window it serves at T+d.

A feed's window is what a client sees of it: from its oldest served line on. TrueLayer's is a
range of `timestamp`s (when the person paid); GoCardless's a range of `bookingDate`s, which is
what it filters on and the platform keys on. The pure generator is checked on every edge day;
the HTTP endpoints, which add their own windows, on HTTP_TODAYS."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sandbox import clock
from sandbox.data import build_book
from sandbox.data.generator import generate_book
from sandbox.gocardless import accounts as gocardless
from sandbox.institutions import INSTITUTIONS
from sandbox.truelayer import views as truelayer

from .conftest import CLIENT, GC_API, TL_TOKEN
from .edge_days import ADVANCES, EDGE_TODAYS

pytestmark = pytest.mark.django_db
USERNAMES = ("john",)  # eleven banks already make eleven different people; more only costs time


def truelayer_view(book, key: str) -> list:
    """The booked lines the TrueLayer mock serves (before `from`/`to`), with their timestamps."""
    return [(t.timestamp, t) for t in truelayer.booked_history(book, book.snapshot(key))]


def gocardless_view(book, key: str) -> list:
    """The booked lines the GoCardless mock serves under the platform's 730-day agreement,
    which reaches past the bank's own history, so the bank's window is the edge."""
    booked, _ = gocardless.served_lines(book.snapshot(key), book.today, history_days=730)
    return [(t.booking_date, t) for t in booked]


def rewritten(before: list, after: list) -> list:
    """Lines served before, inside the window served after, but not served identically after."""
    if not after:
        return []
    window_start = min(moment for moment, _ in after)
    kept = {line for _, line in after}
    return [line for moment, line in before if moment >= window_start and line not in kept]


@pytest.mark.parametrize("today", EDGE_TODAYS, ids=str)
def test_moving_the_clock_never_rewrites_served_history(today):
    for institution in INSTITUTIONS:
        for username in USERNAMES:
            before = build_book(institution.slug, username, today)
            for days in ADVANCES:
                after = build_book(institution.slug, username, today + timedelta(days=days))
                for snapshot in before.accounts:
                    key = snapshot.account.key
                    for view in (truelayer_view, gocardless_view):
                        assert not rewritten(view(before, key), view(after, key)), (
                            institution.slug, username, key, days, view.__name__)


def test_a_card_payment_made_just_before_the_history_start_leaves_no_gap_in_the_truelayer_feed():
    """The case behind the bug report: Santander, 1 Dec 2026, 10 days on. A TfL fare paid on
    13 Aug (booked 14 Aug) had been served, and an Amazon order of 12 Aug booked on 15 Aug kept
    the feed reaching back to 12 Aug after the move - yet the fare was gone."""
    before, after = build_book("santander", "john", date(2026, 12, 1)), build_book("santander", "john",
                                                                                    date(2026, 12, 11))
    served = truelayer_view(after, "current")
    assert min(moment for moment, _ in served).date() >= after.history_start
    assert not rewritten(truelayer_view(before, "current"), served)


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2028, 2, 29)], ids=str)
def test_the_shared_generator_gives_the_same_books_as_a_replay_from_scratch(today):
    """build_book plays each person's ledgers once and views them per day; asking for days out of
    order must give exactly what a replay from ANCHOR gives."""
    for institution in INSTITUTIONS:
        build_book(institution.slug, "john", today + timedelta(days=40))  # played past `today` first
        assert build_book(institution.slug, "john", today) == generate_book(institution.slug, "john", today)


# --- over HTTP ---------------------------------------------------------------------------------
def _advance_to(start: date, days: int) -> None:
    clock.advance((start + timedelta(days=days) - clock.today()).days)


def test_a_booked_payment_already_served_is_still_served_after_the_clock_moves(sandbox_today, client,
                                                                                truelayer_tokens, tl_get):
    tokens = truelayer_tokens(institution="santander")

    def served() -> dict[str, list]:
        body = tl_get("accounts", tokens["access_token"]).json()["results"]
        feeds = {}
        for account in body:
            lines = tl_get(f"accounts/{account['account_id']}/transactions", tokens["access_token"]).json()["results"]
            feeds[account["account_id"]] = [
                (t["timestamp"], (t["normalised_provider_transaction_id"], t["timestamp"], t["amount"],
                                  t["running_balance"]["amount"], t["description"])) for t in lines]
        return feeds

    before = served()
    for days in ADVANCES:
        _advance_to(sandbox_today, days)
        tokens = client.post(TL_TOKEN, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                        **CLIENT}).json()
        after = served()
        assert after.keys() == before.keys()
        for account_id, lines in before.items():
            assert not rewritten(lines, after[account_id]), (account_id, days)


def test_a_booked_payment_already_served_by_gocardless_is_still_served_after_the_clock_moves(
        sandbox_today, client, gc, gc_linked):
    # The platform asks for as much history as the bank has, so the bank's own window is the edge.
    agreement = gc("post", "agreements/enduser/", {"institution_id": "BARCLAYS_BUKBGB22",
                                                   "max_historical_days": 730}).json()
    accounts = gc_linked(institution_id="BARCLAYS_BUKBGB22", agreement=agreement["id"])["accounts"]
    secrets = {"secret_id": CLIENT["client_id"], "secret_key": CLIENT["client_secret"]}

    def served() -> dict[str, list]:
        token = client.post(f"{GC_API}/token/new/", secrets, content_type="application/json").json()["access"]
        feeds = {}
        for account_id in accounts:
            response = client.get(f"{GC_API}/accounts/{account_id}/transactions/",
                                  headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.content
            feeds[account_id] = [
                (t["bookingDate"], (t["transactionId"], t["bookingDate"], t["valueDate"],
                                    t["transactionAmount"]["amount"],
                                    t["balanceAfterTransaction"]["balanceAmount"]["amount"]))
                for t in response.json()["transactions"]["booked"]]
        return feeds

    before = served()
    for days in ADVANCES:
        _advance_to(sandbox_today, days)
        after = served()
        for account_id, lines in before.items():
            assert not rewritten(lines, after[account_id]), (account_id, days)

