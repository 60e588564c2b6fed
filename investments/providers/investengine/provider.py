"""InvestEngine: the trading history CSV export (ETF buys and sells)."""

from __future__ import annotations

from integrations_core.providers.sources import ParsedStatement
from investments.statements import StatementProvider

from . import parser


class InvestEngineProvider(StatementProvider):
    slug = "investengine"
    name = "InvestEngine"
    logo_url = "/static/logos/investengine.svg"

    def read(self, text: str, *, filename: str, account_hint: str) -> ParsedStatement:
        return parser.parse_text(text, self.account_for(account_hint), namespace=self.slug)
