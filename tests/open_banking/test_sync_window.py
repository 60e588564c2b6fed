"""The sync window against a bank that behaves as TrueLayer documents it, over its real HTTP API:
`from`/`to` are dates the bank reads in UTC, a booked item carries the payment's own timestamp
(so a late settlement is dated weeks back), pending items can stay open up to 120 days, and a
`from` older than 90 days is refused without a fresh SCA (`sca_exceeded`). Every test drives
the real client, mapper, sync engine and import service day by day under a frozen clock."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.services.sync import connection_sync
from open_banking.models import BankAccount, BankConnection, BankTransaction

from .conftest import TL_API

DATA = f"{TL_API}/data/v1"
LONDON = ZoneInfo("Europe/London")
ACCOUNT = "acc-current-1"

pytestmark = pytest.mark.django_db


@dataclass
class FakeTrueLayerBank:
    """One current account. `booked` and `pending` are TrueLayer transaction dicts."""

    booked: list[dict] = field(default_factory=list)
    pending: list[dict] = field(default_factory=list)
    history_days_without_sca: int = 90
    refuse_all_history: bool = False
    requested_from: list[date] = field(default_factory=list)

    def register(self, rsps) -> None:
        rsps.get(f"{DATA}/accounts", json={"results": [{
            "account_id": ACCOUNT, "account_type": "TRANSACTION", "display_name": "Current", "currency": "GBP",
            "account_number": {"number": "12345678", "sort_code": "12-34-56"}, "provider": {"provider_id": "ob-x"},
            "update_timestamp": "2026-01-01T00:00:00Z"}], "status": "Succeeded"})
        rsps.get(f"{DATA}/cards", status=501, json={"error": "endpoint_not_supported"})
        rsps.add_callback("GET", f"{DATA}/accounts/{ACCOUNT}/balance", callback=self._balance)
        rsps.add_callback("GET", f"{DATA}/accounts/{ACCOUNT}/transactions", callback=self._transactions)
        rsps.add_callback("GET", f"{DATA}/accounts/{ACCOUNT}/transactions/pending", callback=self._pending)

    def _balance(self, request):
        return 200, {}, json.dumps({"results": [{"currency": "GBP", "current": 100.5, "available": 90.5,
                                                 "update_timestamp": timezone.now().isoformat()}]})

    def _transactions(self, request):
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        start, end = date.fromisoformat(query["from"]), date.fromisoformat(query["to"])
        self.requested_from.append(start)
        today_utc = timezone.now().astimezone(UTC).date()
        if self.refuse_all_history or (today_utc - start).days > self.history_days_without_sca:
            return 403, {}, json.dumps({"error": "sca_exceeded"})
        lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
        hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        items = [t for t in self.booked if lo <= datetime.fromisoformat(t["timestamp"]) < hi]
        return 200, {}, json.dumps({"results": items, "status": "Succeeded"})

    def _pending(self, request):
        return 200, {}, json.dumps({"results": self.pending, "status": "Succeeded"})


def item(txn_id: str, when: datetime, amount: str, description: str) -> dict:
    return {"transaction_id": f"req-{txn_id}", "normalised_provider_transaction_id": txn_id,
            "timestamp": when.isoformat(), "description": description, "amount": float(amount), "currency": "GBP",
            "transaction_type": "DEBIT", "transaction_category": "PURCHASE", "transaction_classification": [],
            "meta": {"provider_transaction_category": "DEB"}}


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def connection(user):
    return BankConnection.objects.create(
        user=user, provider="truelayer", status=ConnectionStatus.ACTIVE, institution_id="ob-x",
        institution_name="Bank", access_token="tl-access", refresh_token="tl-refresh",
        token_expires_at=timezone.now() + timedelta(days=3650), consent_expires_at=timezone.now() + timedelta(days=3650))


def sync_on(connection, rsps, bank, day: date, hour: int = 6):
    with time_machine.travel(at(day, hour), tick=False):
        rsps.reset()
        bank.register(rsps)
        return connection_sync(connection)


def rows(status=None):
    qs = BankTransaction.objects.order_by("booked_date", "description")
    if status:
        qs = qs.filter(status=status)
    return list(qs.values_list("status", "description", "amount"))


@pytest.mark.parametrize("made", [date(2026, 7, 1), date(2026, 3, 27), date(2026, 10, 23), date(2026, 12, 24),
                                  date(2027, 4, 3)], ids=["summer", "over-bst-start", "over-bst-end",
                                                          "over-year-end", "over-tax-year-end"])
def test_a_hotel_payment_that_books_two_weeks_later_is_not_lost(connection, rsps, made):
    """The hotel authorises on check-in and settles 14 days later, dated the day it was made.
    Everyday spending keeps the last booked date moving, so a window of "10 days before the last
    booked date" had left the hotel behind: its pending row was deleted and the booked twin
    never fetched."""
    bank = FakeTrueLayerBank()
    hotel = item("hotel-1", at(made, 21, 30), "-412.00", "PREMIER INN LONDON")
    bank.pending = [dict(hotel, normalised_provider_transaction_id="hotel-pending")]
    for offset in range(0, 16):
        day = made + timedelta(days=offset)
        bank.booked.append(item(f"coffee-{offset}", at(day, 8), "-3.10", f"COSTA {offset:02d}"))
        if offset == 14:  # settles: leaves the pending list, booked under its own date
            bank.pending = []
            bank.booked.append(hotel)
        run = sync_on(connection, rsps, bank, day + timedelta(days=1))
        assert run.outcome == SyncOutcome.SUCCEEDED
        hotels = BankTransaction.objects.filter(description__startswith="PREMIER INN")
        assert hotels.count() == 1, f"day {offset}: the hotel payment must exist exactly once"
    booked_hotel = BankTransaction.objects.get(description__startswith="PREMIER INN")
    assert (booked_hotel.status, booked_hotel.amount, booked_hotel.booked_date) == ("booked", Decimal("-412.00"), made)
    assert BankTransaction.objects.filter(description__startswith="COSTA").count() == 16


def test_a_payment_at_half_past_midnight_in_summer_time_is_not_deleted_on_the_window_edge(connection, rsps):
    """00:30 BST on 10 June is 23:30Z on 9 June: a `from=2026-06-10` answer leaves it out. It
    must not be taken for a transaction the bank withdrew."""
    bank = FakeTrueLayerBank()
    edge_day = date(2026, 6, 10)
    bank.booked = [item("late-night", at(edge_day, 0, 30), "-25.00", "UBER TRIP")]
    sync_on(connection, rsps, bank, edge_day)
    assert rows() == [("booked", "UBER TRIP", Decimal("-25.00"))]
    # Ten days later the last booked date is 20 June, so the incremental window starts on the
    # edge day itself; the bank (reading from= in UTC) no longer returns the 00:30 payment.
    bank.booked.append(item("groceries", at(date(2026, 6, 20), 10), "-40.00", "TESCO"))
    for day in (date(2026, 6, 21), date(2026, 6, 22), date(2026, 6, 25)):
        run = sync_on(connection, rsps, bank, day)
        assert run.outcome == SyncOutcome.SUCCEEDED and run.removed == 0
    assert rows() == [("booked", "UBER TRIP", Decimal("-25.00")), ("booked", "TESCO", Decimal("-40.00"))]


def test_a_quiet_account_keeps_syncing_when_its_last_payment_is_older_than_ninety_days(connection, rsps):
    """No transaction for 200 days: asking from (last booked - 10 days) is refused with
    sca_exceeded. The window is clamped to what the bank allows, balance included."""
    bank = FakeTrueLayerBank()
    first = date(2026, 1, 5)
    bank.booked = [item("only-one", at(first), "-9.99", "ANNUAL FEE")]
    sync_on(connection, rsps, bank, first + timedelta(days=1))
    run = sync_on(connection, rsps, bank, first + timedelta(days=200))
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert (first + timedelta(days=200) - bank.requested_from[-1]).days <= 90
    account = BankAccount.objects.get()
    assert account.sync_state == "ok" and account.current_balance == Decimal("100.5")
    assert account.balance_updated_at.date() == first + timedelta(days=200)
    assert rows() == [("booked", "ANNUAL FEE", Decimal("-9.99"))], "old history is kept, not deleted"


def test_an_account_whose_history_is_refused_still_gets_its_balance_and_shows_as_failing(connection, rsps, client,
                                                                                        user):
    bank = FakeTrueLayerBank()
    day = date(2026, 5, 1)
    bank.booked = [item("t1", at(day), "-5.00", "SHOP")]
    sync_on(connection, rsps, bank, day + timedelta(days=1))
    bank.refuse_all_history = True
    run = sync_on(connection, rsps, bank, day + timedelta(days=2))
    assert run.outcome == SyncOutcome.PARTIAL
    account = BankAccount.objects.get()
    assert account.balance_updated_at.date() == day + timedelta(days=2), "the balance kept flowing"
    assert rows() == [("booked", "SHOP", Decimal("-5.00"))]
    client.force_login(user)
    body = client.get("/api/v1/open-banking/accounts/").json()
    shown = body["results"][0]
    assert shown["sync_state"] == "failing" and shown["sync_error_code"] == "history_too_old"
    assert shown["sync_error"] and shown["sync_failing_since"]
    # The next good sync clears it.
    bank.refuse_all_history = False
    sync_on(connection, rsps, bank, day + timedelta(days=3))
    assert client.get("/api/v1/open-banking/accounts/").json()["results"][0]["sync_state"] == "ok"


def test_a_pending_payment_older_than_the_window_the_bank_allows_is_kept_until_it_could_have_booked(
        connection, rsps):
    """A car-hire deposit pending for 100 days is outside the 90 days the bank lets us ask for:
    its booked twin could arrive where we cannot see it, so it is never deleted as "cancelled"
    until the documented 120 days have passed."""
    bank = FakeTrueLayerBank()
    made = date(2026, 2, 1)
    bank.pending = [item("deposit", at(made), "-200.00", "HERTZ DEPOSIT")]
    bank.booked = [item("b0", at(made), "-1.00", "FIRST")]
    sync_on(connection, rsps, bank, made + timedelta(days=1))
    bank.pending = []  # the bank stops listing it
    assert sync_on(connection, rsps, bank, made + timedelta(days=100)).removed == 0
    assert rows("pending") == [("pending", "HERTZ DEPOSIT", Decimal("-200.00"))]
    assert sync_on(connection, rsps, bank, made + timedelta(days=121)).removed == 1
    assert rows("pending") == []
