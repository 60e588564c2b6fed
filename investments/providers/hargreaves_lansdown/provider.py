"""Hargreaves Lansdown: the account's transaction history CSV (windows-1252, preamble first)."""

from __future__ import annotations

from integrations_core.providers.sources import ParsedStatement
from investments.statements import StatementProvider

from . import parser


class HargreavesLansdownProvider(StatementProvider):
    slug = "hargreaves_lansdown"
    name = "Hargreaves Lansdown"
    logo_url = "/static/logos/hargreaves-lansdown.svg"

    def read(self, text: str, *, filename: str, account_hint: str) -> ParsedStatement:
        return parser.parse_text(text, self, account_hint=account_hint)
