"""The PayPal source's windows: at most 31 days per request, never past now - 3 hours (nor past
PayPal's own last_refreshed_datetime), an overlap re-read, every page of a window, progress in
`state`, and disputes that could not be read leaving the rest of the read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils.dateparse import parse_datetime

from integrations_core.providers.errors import ScopeMissing
from payments.providers.paypal.client import PayPalClient
from payments.providers.paypal.mapper import parse_time
from payments.providers.paypal.source import LAG, OVERLAP, PayPalSource, windows

from .paypal_http import BASE, SECRET

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(monkeypatch, settings):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    settings.PROVIDER_HTTP_RETRIES = 0
    settings.PAYPAL_HISTORY_DAYS = 100
    settings.PAYPAL_PAGE_SIZE = 10
    monkeypatch.setattr("sandbox.clock.now", lambda: NOW)
    monkeypatch.setattr("sandbox.clock.today", lambda: NOW.date())
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def source(login="casey") -> PayPalSource:
    return PayPalSource(PayPalClient(base_url=BASE, client_id=login, client_secret=SECRET))


def asked(paypal) -> list[tuple[datetime, datetime, int]]:
    return [(parse_time(c.query["start_date"][0]), parse_time(c.query["end_date"][0]), int(c.query["page"][0]))
            for c in paypal.calls if c.path.endswith("/reporting/transactions")]


def test_windows_cut_a_range_into_consecutive_31_day_pieces():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cut = windows(start, start + timedelta(days=70))
    assert [b - a for a, b in cut] == [timedelta(days=31), timedelta(days=31), timedelta(days=8)]
    assert all(cut[i][1] == cut[i + 1][0] for i in range(len(cut) - 1))
    assert windows(start, start) == []


def test_a_first_read_covers_the_history_in_windows_and_stops_3_hours_before_now(paypal, settings):
    settings.SANDBOX_PAYPAL_LAG_MINUTES = 60
    activity = source().fetch_activity(since=None, state={})
    calls = asked(paypal)
    assert calls[0][0] == NOW - timedelta(days=100)
    assert max(end for _, end, _ in calls) == NOW - LAG
    assert all(end - start <= timedelta(days=31) for start, end, _ in calls)
    assert activity.window_to == NOW - LAG and parse_datetime(activity.state["reached"]) == NOW - LAG
    assert activity.state["behind"] is False
    ids = [r.external_id for r in activity.balance_transactions]
    assert ids and len(ids) == len(set(ids))


def test_every_page_of_a_window_is_read(paypal):
    activity = source().fetch_activity(since=None, state={})
    calls = asked(paypal)
    by_window: dict = {}
    for start, end, page in calls:
        by_window.setdefault((start, end), []).append(page)
    assert any(len(pages) > 1 for pages in by_window.values()), "a window needed more than one page of 10"
    assert all(pages == list(range(1, len(pages) + 1)) for pages in by_window.values())
    totals = sum(len(json.loads(c.body)["transaction_details"]) for c in paypal.calls
                 if c.path.endswith("/reporting/transactions"))
    assert totals == len(activity.balance_transactions) + activity.state["skipped"]


def test_the_mark_never_passes_what_paypal_had_refreshed(paypal, settings):
    settings.SANDBOX_PAYPAL_LAG_MINUTES = 5 * 60  # PayPal's data is five hours old today
    activity = source().fetch_activity(since=None, state={})
    assert activity.window_to == NOW - timedelta(hours=5)


def test_the_next_read_starts_an_overlap_before_the_mark(paypal):
    reached = NOW - timedelta(days=1)
    source().fetch_activity(since=None, state={"reached": reached.isoformat(), "behind": False})
    calls = asked(paypal)
    assert calls[0][0] == reached - OVERLAP and calls[-1][1] == NOW - LAG


def test_a_long_history_goes_on_next_sync_from_where_it_stopped(paypal, settings):
    settings.PAYPAL_MAX_WINDOWS_PER_SYNC = 2
    first = source().fetch_activity(since=None, state={})
    assert first.state["behind"] is True
    assert parse_datetime(first.state["reached"]) == NOW - timedelta(days=100) + timedelta(days=62)
    paypal.calls.clear()
    second = source().fetch_activity(since=first.window_to, state=first.state)
    assert asked(paypal)[0][0] == parse_datetime(first.state["reached"])  # no overlap while catching up
    assert second.state["behind"] is False and second.window_to == NOW - LAG


def test_a_rate_limit_after_some_windows_keeps_what_was_read(paypal, settings):
    seen = {"windows": 0}

    def third_window_limited(method, path, query):
        """Answer 429 to the first page of the third window."""
        if not path.endswith("/reporting/transactions"):
            return None
        windows_asked = {c.query["start_date"][0] for c in paypal.calls if c.path.endswith("/reporting/transactions")}
        if query["start_date"][0] not in windows_asked and len(windows_asked) >= 2:
            seen["windows"] += 1
            return 429, {"content-type": "application/json"}, b'{"name": "RATE_LIMIT_REACHED", "message": "Too many"}'
        return None

    paypal.faults.append(third_window_limited)
    activity = source().fetch_activity(since=None, state={})
    assert seen["windows"] == 1 and activity.state["behind"] is True
    assert activity.window_to == NOW - timedelta(days=100) + timedelta(days=62)  # two windows read
    assert activity.balance_transactions


def test_disputes_without_the_scope_leave_the_rest_of_the_read(paypal):
    activity = source("error.no_disputes").fetch_activity(since=None, state={})
    assert isinstance(activity.disputes_error, ScopeMissing)
    assert activity.balance_transactions and activity.accounts


def test_disputes_come_with_their_deadline_and_payment(paypal, settings):
    settings.PAYPAL_HISTORY_DAYS = 500
    activity = source().fetch_activity(since=None, state={})
    assert activity.disputes
    ids = {r.external_id for r in activity.balance_transactions}
    for dispute in activity.disputes:
        assert dispute.evidence_due_by is not None and dispute.charge_external_id in ids


def test_rows_sharing_a_transaction_id_keep_apart_and_the_same_row_twice_is_one():
    from decimal import Decimal

    from integrations_core.records import BalanceTransactionRecord
    from payments.providers.paypal.source import distinct_ids

    def rec(code, amount, currency="GBP", ident="5TY05013RG002845M"):
        return BalanceTransactionRecord(external_id=ident, type="charge", created_at=NOW, amount=Decimal(amount),
                                        fee=Decimal(0), net=Decimal(amount), currency=currency,
                                        reporting_category=code)

    rows = distinct_ids([rec("T1503", "-10.00"), rec("T0006", "10.00"), rec("T0006", "10.00"),
                         rec("T0200", "-5.00", currency="USD")])
    assert [(r.external_id, r.currency) for r in rows] == [
        ("5TY05013RG002845M:T1503", "GBP"), ("5TY05013RG002845M", "GBP"), ("5TY05013RG002845M", "USD")]
    assert distinct_ids(list(reversed(rows[:2])))[0].external_id == "5TY05013RG002845M"


def test_a_window_paypal_finds_too_large_is_read_again_in_halves(paypal, settings):
    settings.SANDBOX_PAYPAL_MAX_RESULTS = 15  # PayPal's is 10,000
    settings.PAYPAL_PAGE_SIZE = 500
    settings.PAYPAL_HISTORY_DAYS = 62
    whole = source().fetch_activity(since=None, state={})
    refused = [c for c in paypal.calls if c.path.endswith("/reporting/transactions") and c.status == 400]
    assert refused and all(json.loads(c.body)["name"] == "RESULTSET_TOO_LARGE" for c in refused)
    settings.SANDBOX_PAYPAL_MAX_RESULTS = 10000
    paypal.calls.clear()
    assert sorted(r.external_id for r in source().fetch_activity(since=None, state={}).balance_transactions) == \
        sorted(r.external_id for r in whole.balance_transactions)
    assert whole.window_to == NOW - LAG
