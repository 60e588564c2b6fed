"""Net worth across every family, asking each cash ledger what its accounts are worth (banks:
their balances; investments: cash plus holdings; see each family's ledger.py). The core imports
no family. Amounts are never converted: the total is in the person's main currency (the one
most of their accounts are held in), and money held in other currencies is listed beside it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .ledger import AccountValue, ledgers


@dataclass(frozen=True)
class NetWorth:
    total: Decimal  # in `currency`
    currency: str
    by_family: dict[str, Decimal]  # family -> its part of `total`
    other_currencies: dict[str, Decimal] = field(default_factory=dict)  # currency -> total held in it
    accounts: list[AccountValue] = field(default_factory=list)
    unknown: list[AccountValue] = field(default_factory=list)  # accounts whose value is not known now


def net_worth(user, *, currency: str | None = None) -> NetWorth:
    """The person's counted accounts (a revoked connection's are history), added up per
    currency. `currency` picks the total's currency; by default the one most of the accounts
    are held in (GBP for a person with none)."""
    accounts = [value for ledger in ledgers() for value in ledger.values_for(user)]
    known = [a for a in accounts if a.value is not None]
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for account in known:
        per_currency[account.currency] += account.value
    if currency is None:
        counts: dict[str, int] = defaultdict(int)
        for account in known:
            counts[account.currency] += 1
        currency = max(sorted(counts), key=lambda c: counts[c]) if counts else "GBP"
    by_family: dict[str, Decimal] = {str(ledger.family): Decimal(0) for ledger in ledgers()}
    for account in known:
        if account.currency == currency:
            by_family[account.family] += account.value
    return NetWorth(total=per_currency.get(currency, Decimal(0)), currency=currency, by_family=by_family,
                    other_currencies={c: v for c, v in sorted(per_currency.items()) if c != currency},
                    accounts=accounts, unknown=[a for a in accounts if a.value is None])
