"""statement_import_write with the real sample files in sandbox/statements/: the account, its
securities and transactions, and holdings rebuilt from the whole stored history; re-imports and
overlapping files change nothing but the new rows; a bad file writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from integrations_core.models import ConnectionStatus, StatementImportStatus
from integrations_core.providers.sources import RowError
from integrations_core.services.imports import portfolio as service
from integrations_core.services.imports.portfolio import StatementHasErrors, statement_import_write
from integrations_core.services.statements import statement_confirm, statement_preview
from investments.models import AccountValuation, HoldingSnapshot, InvestmentConnection, InvestmentTransaction
from investments.providers.activities.provider import ActivitiesProvider
from investments.providers.hargreaves_lansdown.provider import HargreavesLansdownProvider
from investments.providers.trading212_csv.provider import Trading212CsvProvider

from .conftest import table_state

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "sandbox" / "statements"
VUSA, LLOY, AAPL, NVDA = "IE00B3XXRP09", "GB0008706128", "US0378331005", "US67066G1040"


def parsed_sample(provider, name: str, data: bytes | None = None):
    parsed = provider().parse(data if data is not None else (SAMPLES / name).read_bytes(), name)
    assert parsed.errors == []
    return parsed


def connect(user, provider) -> InvestmentConnection:
    return InvestmentConnection.objects.create(user=user, provider=provider.slug, status=ConnectionStatus.ACTIVE,
                                               institution_name=provider.name)


def holdings(connection) -> dict[str, tuple]:
    """Security (ISIN, else name) -> (quantity, book cost, price, price currency, value) of the
    account's current snapshot."""
    account = connection.accounts.get()
    return {h.security.isin or h.security.name: (h.quantity, h.book_cost, h.price, h.price_currency, h.value)
            for h in account.current_snapshot.holdings.select_related("security")}


def test_hargreaves_lansdown_holdings_are_rebuilt_from_the_trades(user):
    connection = connect(user, HargreavesLansdownProvider)
    result = statement_import_write(connection, parsed_sample(HargreavesLansdownProvider, "hargreaves_lansdown.csv"))
    assert result == {"added": 6, "updated": 0, "unchanged": 0}
    account = connection.accounts.get()
    assert (account.wrapper, account.currency) == ("isa", "GBP")  # the file says "ISA"
    assert holdings(connection) == {
        # 2,000 bought for £4,907.31, 600 sold: 1,400 carry 1400/2000 of the cost. Priced at the
        # sale's 255.10p, which HL's Unit cost (p) column gives in pence.
        "Legal & General Group PLC": (Decimal("1400"), Decimal("3435.12"), Decimal("2.551"), "GBP",
                                      Decimal("3571.40")),
        "Vanguard FTSE Developed World UCITS ETF": (Decimal("120"), Decimal("10226.50"), Decimal("85.121234"),
                                                    "GBP", Decimal("10214.55")),
    }
    snapshot = account.current_snapshot
    assert (snapshot.date, snapshot.source, snapshot.value) == (date(2024, 9, 4), "statement", Decimal("13785.95"))
    assert AccountValuation.objects.get(account=account).value == Decimal("13785.95")


def test_trading212_csv_keeps_pence_and_follows_the_split(user):
    connection = connect(user, Trading212CsvProvider)
    statement_import_write(connection, parsed_sample(Trading212CsvProvider, "trading212.csv"))
    assert holdings(connection) == {
        VUSA: (Decimal("15"), Decimal("1126.88"), Decimal("8000"), "GBX", Decimal("1200.00")),
        LLOY: (Decimal("1000"), Decimal("453.26"), Decimal("45.10"), "GBX", Decimal("451.00")),
        # USD prices valued at the trade's own rate: 5 x $185.25 x 0.7874015748.
        AAPL: (Decimal("5"), Decimal("730.31"), Decimal("185.25"), "USD", Decimal("729.33")),
        # Bought 1 at $490, then a 10-for-1 split: 10 units at $49, the cost unchanged.
        NVDA: (Decimal("10"), Decimal("386.41"), Decimal("49"), "USD", Decimal("385.83")),
    }
    assert connection.accounts.get().current_snapshot.date == date(2024, 8, 1)


@pytest.mark.parametrize("name, wrapper, expected", [
    ("activities.csv", "other", {
        VUSA: (Decimal("6"), Decimal("451.65"), Decimal("8000"), "GBX", Decimal("480.00")),
        # Two fills on one day and no times: the later by id (as the pool orders them) prices it.
        AAPL: (Decimal("3"), Decimal("438.27"), Decimal("185.20"), "USD", Decimal("437.48")),
        NVDA: (Decimal("9"), Decimal("0.00"), None, "", None),  # split units, never bought here: no price
    }),
    ("activities.json", "sipp", {
        VUSA: (Decimal("10"), Decimal("752.75"), Decimal("7512.5"), "GBX", Decimal("751.25")),
        "AAPL": (Decimal("2"), Decimal("292.15"), Decimal("185.2"), "USD", Decimal("291.65")),
    }),
])
def test_activities_files(user, name, wrapper, expected):
    connection = connect(user, ActivitiesProvider)
    statement_import_write(connection, parsed_sample(ActivitiesProvider, name))
    assert connection.accounts.get().wrapper == wrapper
    assert holdings(connection) == expected


@pytest.mark.parametrize("provider, name", [(HargreavesLansdownProvider, "hargreaves_lansdown.csv"),
                                            (Trading212CsvProvider, "trading212.csv"),
                                            (ActivitiesProvider, "activities.csv"),
                                            (ActivitiesProvider, "activities.json")])
def test_reimporting_the_same_file_changes_nothing(user, provider, name):
    connection = connect(user, provider)
    with time_machine.travel("2026-03-01 09:00Z", tick=False):
        first = statement_import_write(connection, parsed_sample(provider, name))
    before = table_state()
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        again = statement_import_write(connection, parsed_sample(provider, name))
    assert again == {"added": 0, "updated": 0, "unchanged": first["added"]}
    assert table_state() == before  # not even updated_at


@pytest.mark.parametrize("provider, name, split", [(Trading212CsvProvider, "trading212.csv", 7),
                                                   (ActivitiesProvider, "activities.csv", 6)])
def test_an_overlapping_file_adds_only_the_new_rows(user, provider, name, split):
    lines = (SAMPLES / name).read_bytes().splitlines(keepends=True)
    header, rows = lines[0], lines[1:]
    early = header + b"".join(rows[:split])
    late = header + b"".join(rows[split - 3:])  # three rows again, then the rest
    connection = connect(user, provider)
    with time_machine.travel("2026-03-01 09:00Z", tick=False):
        statement_import_write(connection, parsed_sample(provider, name, early))
    with time_machine.travel("2026-03-02 09:00Z", tick=False):
        result = statement_import_write(connection, parsed_sample(provider, name, late))
    whole = parsed_sample(provider, name)
    assert result["added"] == len(whole.transactions) - split and result["unchanged"] == 3
    assert InvestmentTransaction.objects.count() == len(whole.transactions)
    # The same holdings as the whole file imported at once into another connection.
    other = connect(user, provider)
    statement_import_write(other, whole)
    assert holdings(connection) == holdings(other)


def test_a_file_with_errors_writes_nothing(user):
    connection = connect(user, HargreavesLansdownProvider)
    parsed = parsed_sample(HargreavesLansdownProvider, "hargreaves_lansdown.csv")
    parsed.errors.append(RowError(9, "Quantity", "not a number"))
    before = table_state()
    with pytest.raises(StatementHasErrors):
        statement_import_write(connection, parsed)
    assert table_state() == before


def test_a_failure_while_writing_rolls_everything_back(user, monkeypatch):
    connection = connect(user, Trading212CsvProvider)

    def boom(*args, **kwargs):
        raise RuntimeError("worker died after the transactions were written")

    monkeypatch.setattr(service, "holding_snapshot_import", boom)
    with pytest.raises(RuntimeError):
        statement_import_write(connection, parsed_sample(Trading212CsvProvider, "trading212.csv"))
    assert all(rows == [] for rows in table_state().values())


def test_preview_then_confirm_through_the_statement_service(user):
    upload = (SAMPLES / "hargreaves_lansdown.csv").read_bytes()
    with time_machine.travel("2026-03-01 09:00Z", tick=False):
        preview = statement_preview(user=user, provider="hargreaves_lansdown", upload=upload,
                                    filename="hl.csv")
        done = statement_confirm(preview)
    assert (done.status, done.added, done.unchanged) == (StatementImportStatus.IMPORTED, 6, 0)
    assert HoldingSnapshot.objects.get().holdings.count() == 2
