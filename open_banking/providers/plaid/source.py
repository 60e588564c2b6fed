"""The data sources bound to one Plaid Item: transactions from the /transactions/sync cursor
(a CursorSource: the core's cursor runner pages, restarts on a mutation and applies the whole
update in one transaction after the last page)."""

from __future__ import annotations

import logging
from collections import defaultdict

from integrations_core.models import AccountType
from integrations_core.providers.errors import DataNotReady, ProviderError
from integrations_core.records import ChangeSet

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
