"""A deterministic, slow provider for the worker-crash tests (tests/reliability/test_worker_crash.py).

It runs inside real Celery worker processes, so everything it returns comes from constants: every
process that syncs a connection produces exactly the same records. The first account answers at
once; the second writes a marker file when its fetch starts (by then the first account's rows are
committed) and, while SLOWBANK_SLEEP_FIRST_ONLY is set and the marker did not exist yet, sleeps
SLOWBANK_SLEEP seconds, so a test can SIGKILL the worker in the middle of a sync."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from integrations_core.providers.base import AuthType, Capability, Family, Provider
from integrations_core.records import AccountData, AccountRecord, BalanceRecord, TransactionRecord

DAY0 = date(2026, 3, 1)
ACCOUNTS = (
    AccountRecord(external_id="slow-current", name="Slow Current", type="current", currency="GBP"),
    AccountRecord(external_id="slow-savings", name="Slow Savings", type="savings", currency="GBP"),
)
PER_ACCOUNT = 25


def expected_transactions(account_id: str) -> list[TransactionRecord]:
    """The provider's truth for one account: fixed ids, dates and amounts."""
    return [
        TransactionRecord(external_id=f"{account_id}-{i:03d}", booked_date=DAY0 + timedelta(days=i % 20),
                          amount=Decimal(-(i * 137 % 5000) - 1) / 100, currency="GBP",
                          description=f"SLOWBANK MERCHANT {i:03d}")
        for i in range(PER_ACCOUNT)
    ]


class SlowBankSource:
    def __init__(self) -> None:
        self.calls = 0

    def list_accounts(self) -> list[AccountRecord]:
        self.calls += 1
        return list(ACCOUNTS)

    def fetch_account(self, account: AccountRecord, *, since: date | None) -> AccountData:
        self.calls += 1
        if account.external_id == ACCOUNTS[-1].external_id:
            marker = os.environ.get("SLOWBANK_MARKER", "")
            first_time = bool(marker) and not Path(marker).exists()
            if marker:
                Path(marker).write_text(str(os.getpid()))
            if first_time or not os.environ.get("SLOWBANK_SLEEP_FIRST_ONLY"):
                time.sleep(float(os.environ.get("SLOWBANK_SLEEP", "0")))
        return AccountData(account=account, balance=BalanceRecord(currency="GBP", current=Decimal("100.00")),
                           booked=expected_transactions(account.external_id), pending=[],
                           window_from=DAY0, window_to=DAY0 + timedelta(days=30))


class SlowBankProvider(Provider):
    slug = "slowbank"
    name = "Slow Bank"
    family = Family.BANKING
    auth_type = AuthType.NONE
    capabilities = frozenset({Capability.ACCOUNTS, Capability.BALANCES, Capability.TRANSACTIONS,
                              Capability.SCHEDULED_SYNC})
    connection_model = "open_banking.BankConnection"

    def bind(self, connection) -> SlowBankSource:
        return SlowBankSource()
