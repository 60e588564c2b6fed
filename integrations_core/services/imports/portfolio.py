"""The one write path for the portfolio kinds: securities, holding snapshots, valuations and
investment transactions, from any provider or statement.

The core never imports a family: every model is reached through the account's connection model
(`Connection.record_models`, see `connection_record_model`). Everything is idempotent: running
an import twice on the same data changes no row (not even `updated_at`), and `portfolio_import`
writes one account's whole answer in one transaction, so nobody ever sees half a portfolio."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils import timezone

from integrations_core.models import Account, Connection, RecordKind, RecordSource, connection_record_model
from integrations_core.money import quote_to_major, to_minor
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.providers.sources import ParsedStatement
from integrations_core.records import (
    BalanceRecord,
    HoldingRecord,
    HoldingSnapshotRecord,
    PortfolioData,
    ValuationRecord,
)

from .accounts import account_upsert
from .investment_transactions import investment_transactions_import
from .positions import holdings_from_history
from .securities import securities_upsert

__all__ = [
    "ImportCounts", "IncompleteSnapshot", "PortfolioImportResult", "StatementHasErrors", "holding_snapshot_import",
    "investment_transactions_import", "portfolio_import", "securities_upsert", "security_prices_record",
    "statement_import_write", "valuation_upsert",
]

class IncompleteSnapshot(BadProviderResponse):
    """The platform answered only part of the holdings (a page failed): nothing is written."""

    user_message = ("The platform did not send all your holdings. We kept your last complete portfolio "
                    "and will try again later.")


class StatementHasErrors(ValueError):
    """A parsed statement with row errors reached the writer (the preview refuses those)."""


@dataclass
class ImportCounts:
    added: int = 0
    updated: int = 0
    removed: int = 0

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "removed": self.removed}


@dataclass
class PortfolioImportResult:
    """Per-kind counts; `added`/`updated`/`removed` total holdings and transactions, the figures
    a SyncRun records."""

    holdings: ImportCounts = field(default_factory=ImportCounts)
    transactions: ImportCounts = field(default_factory=ImportCounts)

    @property
    def added(self) -> int:
        return self.holdings.added + self.transactions.added

    @property
    def updated(self) -> int:
        return self.holdings.updated + self.transactions.updated

    @property
    def removed(self) -> int:
        return self.holdings.removed + self.transactions.removed

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "removed": self.removed,
                "holdings": self.holdings.as_dict(), "transactions": self.transactions.as_dict()}


def _connection_model(account: Account) -> type[Connection]:
    # From the class, not `account.connection`: no query, and the account may be unsaved in tests.
    return type(account)._meta.get_field("connection").related_model


def _model(account: Account, kind: RecordKind) -> type:
    return connection_record_model(_connection_model(account), kind)


def _changed_fields(row, values: dict) -> list[str]:
    """Copy values onto the row; the names that differed (Decimal 1.5 equals 1.5000)."""
    locked = set(getattr(row, "locked_fields", None) or [])
    changed = []
    for name, value in values.items():
        if name not in locked and getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed


def _save_changed(row, values: dict) -> bool:
    changed = _changed_fields(row, values)
    if changed:
        row.save(update_fields=[*changed, "updated_at"])
    return bool(changed)


# --- Valuations -----------------------------------------------------------------------------


def valuation_upsert(account: Account, record: ValuationRecord) -> bool:
    """One valuation per account and day (the day's latest wins). True when a row was written."""
    model = _model(account, RecordKind.VALUATION)
    values = {"value": record.value, "currency": record.currency, "source": record.source, "raw": record.raw}
    # Pension valuations carry contributions; a model with those columns gets them.
    names = {f.name for f in model._meta.get_fields()}
    values.update({k: getattr(record, k) for k in ("contributions", "employer_contributions")
                   if k in names and hasattr(record, k)})
    values.update({k: v for k, v in getattr(record, "extra", {}).items() if k in names})
    row = model.objects.filter(account=account, date=record.as_of).first()
    if row is None:
        model.objects.create(account=account, date=record.as_of, **values)
        return True
    return _save_changed(row, values)


# --- Price history --------------------------------------------------------------------------


def _prices_wanted(wanted: dict, day) -> dict:
    """(security pk, day) -> (close, currency) for every priced holding. The day is the
    price's own (`price_as_of`), else the snapshot's; the currency as quoted (GBX stays GBX)."""
    prices: dict = {}
    for security_id, values in wanted.items():
        if values["price"] is None:
            continue
        as_of = values["price_as_of"]
        if as_of is None:
            price_day = day
        else:  # a naive moment is taken as local time
            price_day = timezone.localdate(as_of) if timezone.is_aware(as_of) else as_of.date()
        currency = values["price_currency"] or values["currency"]
        prices[(security_id, price_day)] = (values["price"], currency)
    return prices


def security_prices_record(account: Account, prices: dict, source: str) -> int:
    """Keep the reported prices as price history: one row per security, day and source. A row
    already holding the same close and currency is not rewritten. Nothing when the account's
    family keeps no price history. Returns the rows written."""
    try:
        model = _model(account, RecordKind.SECURITY_PRICE)
    except LookupError:
        return 0
    if not prices:
        return 0
    security_ids = {security_id for security_id, _ in prices}
    days = {day for _, day in prices}
    stored = {(row.security_id, row.date): row for row in
              model.objects.filter(source=source, security_id__in=security_ids, date__in=days)}
    new, written = [], 0
    for (security_id, day), (close, currency) in prices.items():
        row = stored.get((security_id, day))
        if row is None:
            new.append(model(security_id=security_id, date=day, close=close, currency=currency, source=source))
        elif row.close != close or row.currency != currency:
            row.close, row.currency = close, currency
            row.save(update_fields=["close", "currency", "recorded_at"])
            written += 1
    model.objects.bulk_create(new)
    return written + len(new)


# --- Holding snapshots ----------------------------------------------------------------------


def _holding_value(holding: HoldingRecord, currency: str) -> Decimal | None:
    """The provider's value, else quantity x price when the price is in the holding's currency
    (GBX converted exactly first); rounded to the minor unit because we computed it."""
    if holding.value is not None:
        return holding.value
    if holding.price is None:
        return None
    price, price_currency = quote_to_major(holding.price, holding.price_currency or currency)
    if price_currency != currency:
        return None  # another currency: converting needs an FX rate, left to the price source
    return to_minor(holding.quantity * price, currency)


def _holdings_wanted(account: Account, record: HoldingSnapshotRecord, securities: dict) -> dict:
    """Security pk -> the holding's column values. Raises before anything is written when the
    snapshot names a security it did not describe, or the same one twice."""
    wanted: dict = {}
    for holding in record.holdings:
        if holding.quantity == 0:
            continue  # a closed position some platforms still list
        security = securities.get(holding.security_external_id)
        if security is None:
            raise BadProviderResponse(f"holding names unknown security {holding.security_external_id!r}")
        if security.pk in wanted:
            raise BadProviderResponse(f"security {holding.security_external_id!r} is held twice in one snapshot")
        currency = holding.currency or account.currency
        wanted[security.pk] = {
            "quantity": holding.quantity, "price": holding.price, "price_currency": holding.price_currency,
            "price_as_of": holding.price_as_of, "value": _holding_value(holding, currency),
            "book_cost": holding.book_cost, "currency": currency, "raw": holding.raw,
        }
    return wanted


def _snapshot_value(account: Account, wanted: Iterable[dict], cash: BalanceRecord | None) -> Decimal | None:
    """Holdings plus cash in the account currency; None when any part is unknown or foreign."""
    parts = [(v["value"], v["currency"]) for v in wanted]
    if cash is not None:
        parts.append((cash.current, cash.currency or account.currency))
    if not parts or any(value is None or currency != account.currency for value, currency in parts):
        return None
    return sum((value for value, _ in parts), Decimal(0))


def _account_switch(account: Account, snapshot, record: HoldingSnapshotRecord) -> None:
    """Point the account at the snapshot and take its cash, unless the account already shows a
    newer day (an old statement imported late must not replace today's portfolio)."""
    current_id = account.current_snapshot_id
    if current_id is not None and current_id != snapshot.pk:
        current_date = type(snapshot).objects.filter(pk=current_id).values_list("date", flat=True).first()
        if current_date is not None and current_date > snapshot.date:
            return
    values = {"current_snapshot_id": snapshot.pk}
    if record.cash is not None:
        values.update(current_balance=record.cash.current, available_balance=record.cash.available,
                      balance_updated_at=record.cash.as_of or record.as_of)
    _save_changed(account, values)


def _price_history_source(account: Account, source: str, provider_slug: str | None) -> str | None:
    """Whose prices these are: the provider's slug for a sync, "statement" for a file; a
    person's own figures (manual) are not price history."""
    if source == RecordSource.MANUAL:
        return None
    if source == RecordSource.STATEMENT:
        return str(RecordSource.STATEMENT)
    return provider_slug or account.connection.provider


def holding_snapshot_import(account: Account, record: HoldingSnapshotRecord, securities: dict, *,
                            source: str = RecordSource.SYNCED, provider_slug: str | None = None) -> ImportCounts:
    """Write one account's holdings for the snapshot's day. `securities`: provider id ->
    Security (from securities_upsert). A second snapshot the same day updates that day's rows in
    place: unchanged holdings are not touched, vanished ones deleted. The account switches to
    the snapshot last, and the day's valuation is written when the total is known. The holdings'
    prices become price history in the same transaction (security_prices_record)."""
    if not record.complete:
        raise IncompleteSnapshot("snapshot marked incomplete")
    snapshot_model = _model(account, RecordKind.HOLDING_SNAPSHOT)
    holding_model = _model(account, RecordKind.HOLDING)
    day = timezone.localdate(record.as_of)
    wanted = _holdings_wanted(account, record, securities)
    value = _snapshot_value(account, wanted.values(), record.cash)
    counts = ImportCounts()
    with transaction.atomic():
        snapshot = snapshot_model.objects.filter(account=account, date=day).first()
        snapshot_values = {"as_of": record.as_of, "source": source, "value": value}
        stored: dict = {}
        if snapshot is None:
            snapshot = snapshot_model.objects.create(account=account, date=day, **snapshot_values)
        else:
            _save_changed(snapshot, snapshot_values)
            stored = {h.security_id: h for h in holding_model.objects.filter(snapshot=snapshot)}
        new = []
        for security_id, values in wanted.items():
            row = stored.pop(security_id, None)
            if row is None:
                new.append(holding_model(snapshot=snapshot, security_id=security_id, **values))
            elif _save_changed(row, values):
                counts.updated += 1
        holding_model.objects.bulk_create(new)
        counts.added = len(new)
        if stored:
            counts.removed = holding_model.objects.filter(pk__in=[h.pk for h in stored.values()]).delete()[0]
        if value is not None:
            valuation_upsert(account, ValuationRecord(as_of=day, value=value, currency=account.currency,
                                                      source=source))
        price_source = _price_history_source(account, source, provider_slug)
        if price_source:
            security_prices_record(account, _prices_wanted(wanted, day), price_source)
        _account_switch(account, snapshot, record)
    return counts


# --- The whole portfolio --------------------------------------------------------------------


def portfolio_import(account: Account, data: PortfolioData, *, source: str = RecordSource.SYNCED,
                     provider_slug: str | None = None) -> PortfolioImportResult:
    """Securities, the holdings snapshot (and its valuation) and the transactions of one
    account, in one transaction. A part that failed at the provider (`snapshot_error`,
    `transactions_error`) or an incomplete snapshot raises before anything is written, so the
    last good snapshot stays; any error while writing rolls the whole import back."""
    for error in (data.snapshot_error, data.transactions_error):
        if error is not None:
            raise error
    if data.snapshot is not None and not data.snapshot.complete:
        raise IncompleteSnapshot("snapshot marked incomplete")
    slug = provider_slug or account.connection.provider
    result = PortfolioImportResult()
    with transaction.atomic():
        securities = securities_upsert(slug, list(data.securities), connection_model=_connection_model(account))
        if data.snapshot is not None:
            result.holdings = holding_snapshot_import(account, data.snapshot, securities, source=source,
                                                      provider_slug=slug)
        written = investment_transactions_import(
            account, list(data.transactions), (data.window_from, data.window_to), securities=securities,
            source=source)
        result.transactions = ImportCounts(written.added, written.updated, written.removed)
    return result


# --- Statement files ------------------------------------------------------------------------


def _with_known_choices(model: type, record):
    """The record with each `extra` value that names a choice of the account model's field
    spelt as the choice is (a file says "ISA", the wrapper choice is "isa"); a value no choice
    matches is dropped, so the field keeps what it had rather than an invalid value."""
    extra = {}
    for name, value in record.extra.items():
        try:
            choices = [choice for choice, _label in model._meta.get_field(name).choices or ()]
        except FieldDoesNotExist:
            continue  # account_upsert ignores what the model has no column for
        if choices and isinstance(value, str):
            value = next((c for c in choices if str(c).casefold() == value.strip().casefold()), None)
            if value is None:
                continue
        extra[name] = value
    return replace(record, extra=extra)


def statement_import_write(connection: Connection, parsed: ParsedStatement) -> dict:
    """Write one parsed statement file into `connection`, all in one transaction: the account
    (its wrapper from the file when it names one), the securities, the transactions (a file
    never removes any), then the holdings rebuilt from *all* the account's stored transactions,
    because a trade history carries no positions (snapshot source "statement", dated by the
    latest transaction). Idempotent: the same or an overlapping file adds only rows not yet
    stored and rewrites nothing else. A file with errors, or any failure, writes nothing.
    Returns {"added", "updated", "unchanged"} transaction counts."""
    if parsed.errors:
        raise StatementHasErrors(f"{len(parsed.errors)} row error(s): nothing is written")
    with transaction.atomic():
        account = account_upsert(connection, _with_known_choices(connection.account_model, parsed.account))
        securities = securities_upsert(connection.provider, list(parsed.securities),
                                       connection_model=type(connection))
        written = investment_transactions_import(account, list(parsed.transactions), (None, None),
                                                 securities=securities, source=RecordSource.STATEMENT)
        rebuilt, held = holdings_from_history(account)
        if rebuilt is not None:
            holding_snapshot_import(account, rebuilt, held, source=RecordSource.STATEMENT)
    unchanged = max(0, len(parsed.transactions) - written.added - written.updated)
    return {"added": written.added, "updated": written.updated, "unchanged": unchanged}
