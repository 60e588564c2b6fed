"""Trading 212 CSV export (History > Export): the file a person downloads from the app."""

from __future__ import annotations

from integrations_core.providers.sources import ParsedStatement
from investments.statements import StatementProvider

from . import parser


class Trading212CsvProvider(StatementProvider):
    slug = "trading212_csv"
    name = "Trading 212 (CSV export)"
    logo_url = "/static/logos/trading212.svg"

    def read(self, text: str, *, filename: str, account_hint: str) -> ParsedStatement:
        return parser.parse_text(text, self.account_for(account_hint), namespace=self.slug)
