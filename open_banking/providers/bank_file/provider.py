"""Bank statement files for banks without Open Banking (or history beyond its 90 days): the
person uploads a CSV, OFX/QFX, QIF or CAMT.053 export; it is previewed and then imported through
the core's file-upload flow and its cash-statement writer (docs/bank-imports.md)."""

from __future__ import annotations

from integrations_core.providers.base import AuthType, Capability, Family, Provider
from integrations_core.providers.sources import ParsedStatement
from open_banking.statements import statement_read


class BankFileProvider(Provider):
    slug = "bank_file"
    name = "Bank statement file"
    family = Family.BANKING
    auth_type = AuthType.FILE_UPLOAD
    capabilities = frozenset({Capability.ACCOUNTS, Capability.BALANCES, Capability.TRANSACTIONS})
    connection_model = "open_banking.BankConnection"
    logo_url = "/static/logos/bank-file.svg"
    max_bytes = 5 * 1024 * 1024
    # Written by the core's cash-statement writer; may go into an account that is also synced
    # (its duplicates are found against the synced rows).
    statement_writer = "integrations_core.services.imports.cash_statements.cash_statement_write"
    statement_into_any_connection = True
    statement_keeps_upload = True  # a CSV can be re-read with other columns without a second upload

    def parse(self, data: bytes, filename: str, *, account_hint: str = "",
              options: dict | None = None) -> ParsedStatement:
        options = dict(options or {})
        if account_hint and not options.get("account_name"):
            options["account_name"] = account_hint
        return statement_read(data, filename, options)
