"""The cash-ledger registry (integrations_core/ledger.py): settings.CASH_LEDGERS, one categorised
ledger whose models are the ones the transactions app's tables point at."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from integrations_core.ledger import categorised_ledger, ledger_for, ledgers
from investments.ledger import investment_ledger
from open_banking.ledger import bank_ledger
from open_banking.models import BankAccount, BankTransaction
from pensions.ledger import pension_ledger


def test_the_bank_ledger_is_the_categorised_one():
    assert ledgers()[:3] == (bank_ledger, investment_ledger, pension_ledger)  # then the business families'
    assert [ledger for ledger in ledgers() if ledger.categorised] == [bank_ledger]
    assert categorised_ledger() is bank_ledger
    assert bank_ledger.accounts is BankAccount and bank_ledger.transactions is BankTransaction
    assert ledger_for(BankAccount()) is bank_ledger
    assert ledger_for(object()) is None


def test_misconfigured_ledgers_fail(settings):
    try:
        ledgers.cache_clear()
        settings.CATEGORISED_ACCOUNT_MODEL = "transactions.Budget"
        with pytest.raises(ImproperlyConfigured):
            ledgers()
        settings.CATEGORISED_ACCOUNT_MODEL = "open_banking.BankAccount"
        settings.CASH_LEDGERS = []
        with pytest.raises(ImproperlyConfigured):
            ledgers()
    finally:
        ledgers.cache_clear()
