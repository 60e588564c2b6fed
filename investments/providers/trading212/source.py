"""The Trading 212 snapshot source bound to one connection: one account per key (the platform
answers for one account), its cash and positions now, and its history since a date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from integrations_core.providers.errors import ProviderError
from integrations_core.records import (
    AccountRecord,
    HoldingSnapshotRecord,
    InvestmentTransactionRecord,
    PortfolioData,
    SecurityRecord,
)

from . import mapper
from .client import Trading212Client


def _older_than(since: date | None, when_of: Callable[[dict[str, Any]], datetime | None]):
    """A stop predicate for paging: the item is from before `since` (history is newest first)."""
    if since is None:
        return None

    def stop(item: dict[str, Any]) -> bool:
        when = when_of(item)
        return when is not None and when.date() < since

    return stop


class Trading212Source:
    """Implements SnapshotSource. `paths` is the path set the feature check found (kept for the
    life of the source, so the check runs once per sync)."""

    def __init__(self, client: Trading212Client):
        self.client = client
        self._account: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"<Trading212Source {self.client!r}>"

    @property
    def calls(self) -> int:
        return self.client.calls

    @property
    def paths(self) -> str | None:
        return self.client.paths

    def _account_payload(self) -> dict[str, Any]:
        if self._account is None:
            self._account = self.client.account()
        return self._account

    def list_accounts(self) -> list[AccountRecord]:
        return [mapper.account_record(self._account_payload())]

    def fetch_portfolio(self, account: AccountRecord, *, since: date | None) -> PortfolioData:
        now = timezone.now()
        payload = self._account_payload()
        self._account = None  # the next sync on this source asks again: cash moves
        currency = mapper.account_currency(payload)
        cash = mapper.cash_balance(payload, as_of=now)
        positions = self.client.positions()
        instruments = mapper.instrument_index(self.client.instruments())
        holdings = [mapper.holding_record(p, account_ccy=currency, instruments=instruments, as_of=now)
                    for p in positions]
        snapshot = HoldingSnapshotRecord(as_of=now, holdings=holdings, cash=cash)

        transactions: list[InvestmentTransactionRecord] = []
        error: ProviderError | None = None
        embedded: dict[str, dict[str, Any]] = {}
        try:
            transactions = self._history(since, currency, instruments, embedded)
        except ProviderError as exc:
            # The snapshot still stands (a key without a history scope, a spent history
            # quota): the core shows the error on the account and keeps the stored history.
            error, transactions = exc, []
        tickers = {h.security_external_id for h in holdings} | {t.security_external_id for t in transactions}
        for position in positions:
            if isinstance(position.get("instrument"), dict):
                embedded.setdefault(position["instrument"].get("ticker", ""), position["instrument"])
        securities: list[SecurityRecord] = [
            mapper.security_record(ticker, instruments.get(ticker), embedded.get(ticker))
            for ticker in sorted(t for t in tickers if t)
        ]
        return PortfolioData(
            account=account, securities=securities, snapshot=snapshot, transactions=transactions,
            window_from=since if error is None else None, window_to=timezone.localdate(now) if error is None else None,
            transactions_error=error,
        )

    def _history(self, since: date | None, currency: str, instruments: dict[str, dict[str, Any]],
                 embedded: dict[str, dict[str, Any]]) -> list[InvestmentTransactionRecord]:
        records: list[InvestmentTransactionRecord] = []

        def keep(record: InvestmentTransactionRecord | None) -> None:
            if record is not None and (since is None or record.booked_date >= since):
                records.append(record)

        for item in self.client.history("orders", stop=_older_than(since, mapper.order_time)):
            order = item.get("order")
            if isinstance(order, dict) and isinstance(order.get("instrument"), dict):
                embedded.setdefault(_ticker(order), order["instrument"])
            keep(mapper.order_record(item, account_ccy=currency, instruments=instruments))
        for item in self.client.history("dividends", stop=_older_than(since, mapper.dividend_time)):
            keep(mapper.dividend_record(item, account_ccy=currency, instruments=instruments))
        for item in self.client.history("transactions", stop=_older_than(since, mapper.transaction_time)):
            keep(mapper.transaction_record(item, account_ccy=currency))
        return records


def _ticker(order: dict[str, Any]) -> str:
    return str(order.get("ticker") or order["instrument"].get("ticker") or "")
