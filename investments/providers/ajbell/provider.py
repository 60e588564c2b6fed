"""AJ Bell: the account's cash transaction history CSV (trades, income, charges, payments)."""

from __future__ import annotations

from integrations_core.providers.sources import ParsedStatement
from investments.statements import StatementProvider

from . import parser


class AjBellProvider(StatementProvider):
    slug = "ajbell"
    name = "AJ Bell"
    logo_url = "/static/logos/ajbell.svg"

    def read(self, text: str, *, filename: str, account_hint: str) -> ParsedStatement:
        return parser.parse_text(text, self.account_for(account_hint), namespace=self.slug)
