"""The snapshot source bound to one IBKR Flex connection. One sync fetches the statement once
(SendRequest, then GetStatement polled) and every account in it is served from that copy."""

from __future__ import annotations

from datetime import date, timedelta

from integrations_core.providers.errors import RequestRejected
from integrations_core.records import AccountRecord, PortfolioData

from . import mapper
from .client import IbkrFlexClient


class IbkrFlexSource:
    """SnapshotSource for one Flex query (one statement per account the query covers)."""

    def __init__(self, client: IbkrFlexClient):
        self.client = client
        self._parsed: mapper.ParsedFlex | None = None

    def __repr__(self) -> str:
        return f"IbkrFlexSource({self.client!r})"

    @property
    def calls(self) -> int:
        return self.client.calls

    def statement(self) -> mapper.ParsedFlex:
        if self._parsed is None:
            self._parsed = mapper.parse_statement(self.client.fetch_statement())
        return self._parsed

    def list_accounts(self) -> list[AccountRecord]:
        return [mapper.account_record(s) for s in self.statement().statements]

    def fetch_portfolio(self, account: AccountRecord, *, since: date | None) -> PortfolioData:
        parsed = self.statement()
        for statement in parsed.statements:
            record = mapper.account_record(statement)
            if record.external_id != account.external_id:
                continue
            pence = parsed.pence_conids
            window_from = statement.fromDate if since is None else max(since, statement.fromDate)
            # A sync may ask from a day after the statement ends (the query's period is the
            # person's choice in Client Portal): then the window is empty, not inverted.
            window_to = max(statement.toDate, window_from - timedelta(days=1))
            return PortfolioData(
                account=record,
                securities=mapper.security_records(statement, pence),
                snapshot=mapper.snapshot_record(statement, pence),
                transactions=mapper.transaction_records(statement, pence, since=since),
                window_from=window_from,
                window_to=window_to,
            )
        raise RequestRejected("The Flex query no longer covers this account")
