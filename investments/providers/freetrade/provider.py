"""Freetrade: the activity feed CSV export (orders, dividends, interest, top-ups, withdrawals)."""

from __future__ import annotations

from integrations_core.providers.sources import ParsedStatement
from investments.statements import StatementProvider

from . import parser


class FreetradeProvider(StatementProvider):
    slug = "freetrade"
    name = "Freetrade"
    logo_url = "/static/logos/freetrade.svg"

    def read(self, text: str, *, filename: str, account_hint: str) -> ParsedStatement:
        return parser.parse_text(text, self.account_for(account_hint), namespace=self.slug)
