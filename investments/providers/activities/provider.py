"""The generic activities format (CSV or JSON, documented in docs/statement-formats.md) for any
platform without an importer of its own, as Ghostfolio offers."""

from __future__ import annotations

from integrations_core.providers.sources import ParsedStatement
from investments.statements import StatementProvider

from . import parser


class ActivitiesProvider(StatementProvider):
    slug = "activities"
    name = "Activities file (any platform)"
    logo_url = "/static/logos/activities.svg"

    def read(self, text: str, *, filename: str, account_hint: str) -> ParsedStatement:
        if filename.casefold().endswith(".json") or text.lstrip().startswith(("{", "[")):
            return parser.parse_json(text, self, account_hint=account_hint)
        return parser.parse_csv(text, self, account_hint=account_hint)
