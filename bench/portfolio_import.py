"""Portfolio import: a 10-year, 5,000-trade history (bench/portfolio_history.py) as the generic
activities CSV, through the statement path: parse alone, the preview (parse, rows kept
encrypted in a StatementImport), the write path into a connection, the same rows written again
(nothing may change), and the holdings rebuilt from the stored rows with positions_from_trades
(checked, unit for unit, against the generator's own ledger). On whichever database
DATABASE_URL names: run it once on SQLite and once on PostgreSQL (docs/performance.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bench.harness import Timer, print_table
from bench.portfolio_history import History, generate

PROVIDER = "activities"


def statement_writer():
    """The statement write path, `write(connection, parsed) -> {"added", "unchanged", ...}`."""
    from integrations_core.services.imports.portfolio import statement_import_write

    return statement_import_write


def provider_register() -> None:
    """Registers the importer even when an operator's INTEGRATION_PROVIDERS leaves it out (idempotent)."""
    from integrations_core.providers.registry import registry
    from investments.providers.activities.provider import ActivitiesProvider

    registry.register(ActivitiesProvider())


@dataclass(frozen=True)
class Trade:
    """A stored InvestmentTransaction as positions_from_trades reads it (the security by its ISIN)."""

    external_id: str
    type: str
    booked_date: date
    booked_at: object
    amount: Decimal
    currency: str
    security_external_id: str
    quantity: Decimal | None
    price: Decimal | None
    price_currency: str
    fees: Decimal
    taxes: Decimal
    original_currency: str
    fx_rate: Decimal | None


def holdings_rebuild(account) -> dict:
    from investments.models import InvestmentTransaction
    from investments.services.book_cost import positions_from_trades

    names = [f for f in Trade.__dataclass_fields__ if f != "security_external_id"]
    rows = InvestmentTransaction.objects.filter(account=account).values_list(*names, "security__isin")
    trades = [Trade(**dict(zip(names, row[:-1], strict=True)), security_external_id=row[-1] or "") for row in rows]
    return positions_from_trades(trades, account_currency=account.currency)


def measure(history: History, username: str = "bench-portfolio") -> dict:
    """Every step once; asserts what must hold (rows written, nothing changed the second time,
    holdings equal to the generator's). Returns {step: (rows, seconds, written)}."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from integrations_core.models import ConnectionStatus
    from integrations_core.providers.registry import registry
    from integrations_core.services.statements import statement_parsed, statement_preview
    from investments.models import InvestmentAccount, InvestmentConnection, InvestmentTransaction

    provider_register()
    upload = history.csv.encode()
    user, _ = get_user_model().objects.get_or_create(username=username, email=f"{username}@example.com")
    connection = InvestmentConnection.objects.create(user=user, provider=PROVIDER, status=ConnectionStatus.ACTIVE,
                                                     institution_name="Activities file")
    write = statement_writer()
    steps = {}
    with Timer() as t:
        parsed = registry.get(PROVIDER).parse(upload, "history.csv")
    assert not parsed.errors, parsed.errors[:5]
    assert parsed.rows == history.rows and len(parsed.transactions) == history.rows
    steps["parse (activities CSV)"] = (history.rows, t.seconds, 0)
    with Timer() as t:
        preview = statement_preview(user=user, provider=PROVIDER, upload=upload, filename="history.csv")
    assert preview.status == "previewed", preview.errors[:5]
    steps["statement preview (parse + keep)"] = (history.rows, t.seconds, 1)
    with Timer() as t, transaction.atomic():
        first = write(connection, statement_parsed(preview))
    stored = InvestmentTransaction.objects.filter(account__connection=connection).count()
    assert int(first["added"]) == history.rows == stored, (first, stored)
    steps["import (write path)"] = (history.rows, t.seconds, int(first["added"]))
    with Timer() as t, transaction.atomic():
        again = write(connection, statement_parsed(preview))
    changed = int(again["added"]) + int(again.get("updated", 0))
    assert changed == 0 and InvestmentTransaction.objects.filter(account__connection=connection).count() == stored, \
        again
    steps["re-import (same rows)"] = (history.rows, t.seconds, changed)
    account = InvestmentAccount.objects.get(connection=connection)
    with Timer() as t:
        positions = holdings_rebuild(account)
    held = {key: p.quantity for key, p in positions.items() if p.quantity}
    expected = {key: q for key, q in history.held.items() if q}
    assert held == expected, {k: (held.get(k), expected.get(k)) for k in held.keys() | expected.keys()
                              if held.get(k) != expected.get(k)}
    assert all(p.book_cost is not None for p in positions.values() if p.quantity)
    steps["holdings rebuilt (positions_from_trades)"] = (stored, t.seconds, len(held))
    return steps


def run(quick: bool) -> None:
    from django.db import connection

    history = generate(trades=1_000 if quick else 5_000)
    steps = measure(history)
    rows = [[name, n, seconds, n / seconds if seconds else float("inf"), written]
            for name, (n, seconds, written) in steps.items()]
    years = 10
    print_table(f"Portfolio import: {years}-year history, {history.trades:,} trades over {history.securities} "
                f"securities ({history.rows:,} rows: "
                + ", ".join(f"{v:,} {k}" for k, v in sorted(history.counts.items()))
                + f"; {len(history.csv) / 1e6:.2f} MB CSV), {connection.vendor}",
                ["step", "rows", "seconds", "rows/s", "written"], rows)
    print("written: rows inserted (import), rows added or updated (re-import, must be 0), previews stored, "
          "positions held at the end (rebuild: equal to the generator's ledger)")
