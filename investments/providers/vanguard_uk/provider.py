"""Vanguard UK Personal Investor: the transaction download (cash and investment tables in one file)."""

from __future__ import annotations

from integrations_core.providers.sources import ParsedStatement
from investments.statements import StatementProvider

from . import parser


class VanguardUkProvider(StatementProvider):
    slug = "vanguard_uk"
    name = "Vanguard UK"
    logo_url = "/static/logos/vanguard.svg"

    def read(self, text: str, *, filename: str, account_hint: str) -> ParsedStatement:
        return parser.parse_text(text, self, account_hint=account_hint)
