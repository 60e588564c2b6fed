"""The Trading 212 snapshot source bound to one connection: one account per key (the platform
answers for one account), its cash and positions now, and its history since a date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from integrations_core.providers.errors import ProviderError, RateLimited
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

    def fetch_portfolio(self, account: AccountRecord, *, since: date | None,
                        resume: dict | None = None) -> PortfolioData:
        """The snapshot now, and the history from `since`. History quotas are six pages a
        minute per endpoint: when one runs out mid-paging (and its reset is not a moment away),
        the answer is the newest stretch read so far, its window starting at the oldest day it
        fully covers, and a `resume` note; given that note back, the next call reads on from
        where each unfinished endpoint stopped (and re-reads nothing newer: window None)."""
        now = timezone.now()
        payload = self._account_payload()
        self._account = None  # the next sync on this source asks again: cash moves
        currency = mapper.account_currency(payload)
        cash = mapper.cash_balance(payload, as_of=now)
        positions = self.client.positions()
        instruments = mapper.instrument_index(self.client.instruments())
        if any(_ticker(p) not in instruments for p in positions):
            instruments = self._instruments_fresh(instruments)
        holdings = [mapper.holding_record(p, account_ccy=currency, instruments=instruments, as_of=now)
                    for p in positions]
        snapshot = HoldingSnapshotRecord(as_of=now, holdings=holdings, cash=cash)

        embedded: dict[str, dict[str, Any]] = {}
        if resume:
            since = date.fromisoformat(resume["since"]) if resume.get("since") else None
        read = _Read(since=since, today=timezone.localdate(now), resumed=bool(resume))
        error: ProviderError | None = None
        try:
            self._history(read, (resume or {}).get("next"), currency, instruments, embedded)
        except ProviderError as exc:
            # The snapshot still stands (a key without a history scope, a page that failed):
            # the core shows the error on the account and keeps the stored history.
            error, read.records = exc, []
        tickers = {h.security_external_id for h in holdings} | {t.security_external_id for t in read.records}
        for position in positions:
            if isinstance(position.get("instrument"), dict):
                embedded.setdefault(position["instrument"].get("ticker", ""), position["instrument"])
        securities: list[SecurityRecord] = [
            mapper.security_record(ticker, instruments.get(ticker), embedded.get(ticker))
            for ticker in sorted(t for t in tickers if t)
        ]
        if error is not None:
            return PortfolioData(account=account, securities=securities, snapshot=snapshot, transactions_error=error)
        window_from, window_to = read.window()
        return PortfolioData(
            account=account, securities=securities, snapshot=snapshot, transactions=read.records,
            window_from=window_from, window_to=window_to, resume=read.resume(), resume_after=read.wait,
        )

    def _instruments_fresh(self, kept: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The kept instrument list lacks a held ticker: ask again. If that call must wait, the
        kept list serves (a position carries enough of its instrument to be stored)."""
        try:
            return mapper.instrument_index(self.client.instruments(fresh=True))
        except RateLimited:
            return kept

    def _history(self, read: _Read, starts: dict[str, str] | None, currency: str,
                 instruments: dict[str, dict[str, Any]], embedded: dict[str, dict[str, Any]]) -> None:
        """Read each history endpoint into `read`. `starts`: a resume note's endpoints (the
        path to go on from, "" for the newest page); the others were finished before."""
        def order(item):
            entry = item.get("order")
            if isinstance(entry, dict) and isinstance(entry.get("instrument"), dict):
                embedded.setdefault(_ticker(entry), entry["instrument"])
            return mapper.order_record(item, account_ccy=currency, instruments=instruments)

        mappers = {
            "orders": (order, mapper.order_time),
            "dividends": (lambda i: mapper.dividend_record(i, account_ccy=currency, instruments=instruments),
                          mapper.dividend_time),
            "transactions": (lambda i: mapper.transaction_record(i, account_ccy=currency), mapper.transaction_time),
        }
        for name, (to_record, when_of) in mappers.items():
            if starts is not None and name not in starts:
                continue
            start: str | None = (starts or {}).get(name) or None
            position, oldest = start, None
            pages = self.client.history_pages(name, start=start, stop=_older_than(read.since, when_of))
            try:
                for items, after in pages:
                    position = after
                    for item in items:
                        read.keep(to_record(item))
                        when = when_of(item)
                        if when is not None and (oldest is None or when.date() < oldest):
                            oldest = when.date()
            except RateLimited as exc:
                read.pause(name, position or "", oldest, exc.retry_after)


class _Read:
    """What one fetch read of the history, and what it covers."""

    def __init__(self, *, since: date | None, today: date, resumed: bool):
        self.since, self.today, self.resumed = since, today, resumed
        self.records: list[InvestmentTransactionRecord] = []
        self.pending: dict[str, str] = {}  # endpoint -> the path to go on from ("" = the newest page)
        self.covered_from: list[date | None] = []  # per unfinished endpoint; None: nothing read
        self.wait: float | None = None

    def keep(self, record: InvestmentTransactionRecord | None) -> None:
        if record is not None and (self.since is None or record.booked_date >= self.since):
            self.records.append(record)

    def pause(self, name: str, next_path: str, oldest: date | None, retry_after: float | None) -> None:
        self.pending[name] = next_path
        # The oldest day read may go on on the next page: only the days after it are whole.
        self.covered_from.append(None if oldest is None or not next_path else oldest + timedelta(days=1))
        # Every paused endpoint must have reset before the next pass, or it would spend a call on a 429.
        self.wait = max(self.wait or 0.0, retry_after or 0.0) or None

    def window(self) -> tuple[date | None, date | None]:
        """The days this answer fully covers for every kind of transaction, newest first. A
        resumed pass read only older pages of some endpoints: it covers no common window."""
        if self.resumed:
            return None, None
        if None in self.covered_from and self.pending:
            return None, None  # an endpoint read nothing at all this time
        starts = [d for d in self.covered_from if d is not None]
        if not starts:
            return self.since, self.today
        start = max([*starts, *([self.since] if self.since else [])])
        return start, max(self.today, start)

    def resume(self) -> dict | None:
        if not self.pending:
            return None
        return {"since": self.since.isoformat() if self.since else None, "next": dict(self.pending)}


def _ticker(order: dict[str, Any]) -> str:
    return str(order.get("ticker") or order["instrument"].get("ticker") or "")


def _ticker(position: dict[str, Any]) -> str:
    embedded = position.get("instrument")
    return str((embedded.get("ticker") if isinstance(embedded, dict) else None) or position.get("ticker") or "")
