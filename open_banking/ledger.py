"""The banking family's cash ledger (see integrations_core/ledger.py): bank accounts and their
transactions, counted as open_banking.selectors counts them."""

from __future__ import annotations

from integrations_core.ledger import CashLedger
from integrations_core.providers.base import Family

from .selectors import bank_accounts_counted, bank_transactions_counted

bank_ledger = CashLedger(
    family=Family.BANKING,
    account_model="open_banking.BankAccount",
    transaction_model="open_banking.BankTransaction",
    categorised=True,
    counted_accounts=bank_accounts_counted,
    counted_movements=bank_transactions_counted,
)
