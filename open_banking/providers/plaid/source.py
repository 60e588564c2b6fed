"""The data sources bound to one Plaid Item: transactions from the /transactions/sync cursor
(a CursorSource: the core's cursor runner pages, restarts on a mutation and applies the whole
update in one transaction after the last page), and, for the Item's linked investments
connection, holdings and investment transactions (a SnapshotSource: the core writes each
brokerage account's portfolio in one transaction)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from integrations_core.models import AccountType
from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    DataNotReady,
    ProviderAuthError,
    ProviderError,
)
from integrations_core.records import (
    AccountRecord,
    BalanceRecord,
    ChangeSet,
    HoldingSnapshotRecord,
    PortfolioData,
)

from ..utils import to_decimal
from . import mapper
from .client import NOT_READY_WAIT, PlaidClient

logger = logging.getLogger(__name__)


class PlaidTransactionsSource:
    def __init__(self, client: PlaidClient, *, page_size: int = 500):
        self.client = client
        self.page_size = page_size

    @property
    def calls(self) -> int:
        return self.client.calls

    def fetch_changes(self, *, cursor: str | None) -> ChangeSet:
        answer = self.client.transactions_sync(cursor, self.page_size)
        next_cursor = answer.get("next_cursor")
        if not next_cursor and answer.get("transactions_update_status") == "NOT_READY":
            # Just linked: Plaid is still pulling the history. Not a failure; come back shortly.
            raise DataNotReady("Plaid has not pulled the transactions yet", retry_after=NOT_READY_WAIT)
        if not isinstance(next_cursor, str):
            raise mapper.BadProviderResponse("Plaid answered /transactions/sync without a next_cursor")
        has_more = bool(answer.get("has_more"))
        items = list(answer.get("accounts") or [])
        if not has_more:
            # The sync's own list holds only accounts with changes: the last page asks for every
            # account's balance, so a quiet account's balance moves too.
            items = self._balances() or items
        banking = [a for a in items if mapper.account_type(a) != AccountType.INVESTMENT]
        accounts = [mapper.account_record(a) for a in banking]
        added: dict[str, list] = defaultdict(list)
        modified: dict[str, list] = defaultdict(list)
        for key, target in (("added", added), ("modified", modified)):
            for item in answer.get(key) or []:
                target[str(item.get("account_id") or "")].append(mapper.transaction_record(item))
        return ChangeSet(accounts=accounts, added=dict(added), modified=dict(modified),
                         removed=[mapper.removed_record(r) for r in answer.get("removed") or []],
                         next_cursor=next_cursor, has_more=has_more,
                         balances={a.external_id: mapper.balance_record(raw) for a, raw in zip(accounts, banking,
                                                                                                 strict=True)})

    def _balances(self) -> list[dict]:
        try:
            return list(self.client.accounts_balance().get("accounts") or [])
        except ProviderError as exc:
            if exc.transient:  # /accounts/balance/get is slow and tightly limited: keep the cached ones
                logger.info("plaid balance refresh skipped code=%s", exc.code)
                return []
            raise


# Plaid keeps 24 months of investment transactions; the first sync asks for all of them.
INVESTMENTS_HISTORY_DAYS = 730


class PlaidInvestmentsSource:
    """Implements SnapshotSource for an Item's investment accounts. One /investments/holdings/get
    per sync answers every account's holdings (kept for the sync's fetches); the history comes
    from /investments/transactions/get per account, paged by offset/count until
    `total_investment_transactions` is reached. A page that fails leaves the whole history out
    (the snapshot is still written, the account shows why): never half a history."""

    def __init__(self, client: PlaidClient, *, page_size: int = 500):
        self.client = client
        self.page_size = max(1, min(500, page_size))
        self._answer: dict[str, Any] | None = None

    @property
    def calls(self) -> int:
        return self.client.calls

    def _holdings(self) -> dict[str, Any]:
        if self._answer is None:
            self._answer = self.client.investments_holdings()
        return self._answer

    def list_accounts(self) -> list[AccountRecord]:
        accounts = self._holdings().get("accounts") or []
        return [mapper.account_record(a) for a in accounts
                if isinstance(a, dict) and mapper.account_type(a) == AccountType.INVESTMENT]

    def fetch_portfolio(self, account: AccountRecord, *, since: date | None) -> PortfolioData:
        now = timezone.now()
        answer = self._holdings()
        self._answer = None  # the next sync on this source asks again
        raw_securities = {str(s.get("security_id")): s for s in answer.get("securities") or [] if isinstance(s, dict)}
        cash_ids = {sid for sid, s in raw_securities.items() if mapper.is_cash_security(s)}
        rows = [h for h in answer.get("holdings") or [] if isinstance(h, dict)
                and str(h.get("account_id") or "") == account.external_id]
        holdings = [mapper.holding_record(h) for h in rows if str(h.get("security_id")) not in cash_ids]
        cash_rows = [h for h in rows if str(h.get("security_id")) in cash_ids]
        cash = None
        if cash_rows:
            total = sum((to_decimal(h.get("institution_value")) or Decimal(0) for h in cash_rows), Decimal(0))
            cash = BalanceRecord(currency=account.currency, current=total, available=total, as_of=now)
        snapshot = HoldingSnapshotRecord(as_of=now, holdings=holdings, cash=cash)
        held = {h.security_external_id for h in holdings}

        today = timezone.localdate(now)
        start = since or today - timedelta(days=INVESTMENTS_HISTORY_DAYS)
        try:
            items, more_securities = self._transactions(account.external_id, start, today)
        except (ConsentExpired, ProviderAuthError):
            raise
        except ProviderError as exc:
            securities = [mapper.security_record(raw_securities[s]) for s in sorted(held) if s in raw_securities]
            return PortfolioData(account=account, securities=securities, snapshot=snapshot, transactions_error=exc)
        raw_securities.update({k: v for k, v in more_securities.items() if k not in raw_securities})
        cash_ids |= {sid for sid, s_ in more_securities.items() if mapper.is_cash_security(s_)}
        transactions = []
        for item in items:
            record = mapper.investment_transaction_record(item)
            if record.security_external_id in cash_ids:  # a deposit "of" the cash security is plain cash
                record = replace(record, security_external_id="")
            transactions.append(record)
        wanted = held | {t.security_external_id for t in transactions if t.security_external_id}
        securities = [mapper.security_record(raw_securities[s]) for s in sorted(wanted) if s in raw_securities]
        return PortfolioData(account=account, securities=securities, snapshot=snapshot, transactions=transactions,
                             window_from=start, window_to=today)

    def _transactions(self, account_id: str, start: date, end: date) -> tuple[list[dict], dict[str, dict]]:
        """Every investment transaction of one account in [start, end], all pages, each once."""
        seen: dict[str, dict] = {}
        securities: dict[str, dict] = {}
        offset = 0
        while True:
            answer = self.client.investments_transactions(mapper.iso(start), mapper.iso(end), offset=offset,
                                                          count=self.page_size, account_ids=[account_id])
            total = answer.get("total_investment_transactions")
            page = answer.get("investment_transactions")
            if not isinstance(total, int) or not isinstance(page, list):
                raise BadProviderResponse("Plaid answered /investments/transactions/get without its totals")
            for item in page:
                if isinstance(item, dict) and str(item.get("account_id") or "") == account_id:
                    seen.setdefault(str(item.get("investment_transaction_id")), item)
            for security in answer.get("securities") or []:
                if isinstance(security, dict):
                    securities.setdefault(str(security.get("security_id")), security)
            offset += len(page)
            if not page or offset >= total:
                return list(seen.values()), securities
