"""The balances tile (integrations_core/home_tiles.py): cash, savings and what is owed on cards,
from the same counted bank accounts as net worth (manual accounts are bank accounts under the
person's own connection, open_banking/services/manual.py). A card's
balance is negative when money is owed; the tile shows the owed amount as a positive "owed"."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from integrations_core.home_tiles import HomeTile, register
from integrations_core.models import AccountType
from open_banking.selectors import bank_accounts_counted
from transactions.selectors.spending import user_main_currency

ZERO = Decimal("0.00")
GROUPS = {AccountType.CURRENT: "cash", AccountType.SAVINGS: "savings", AccountType.CREDIT_CARD: "credit"}


def balances(user, today: date) -> dict | None:
    accounts = [(a.type, a.currency, a.current_balance) for a in bank_accounts_counted(user).filter(is_active=True)]
    accounts = [a for a in accounts if GROUPS.get(a[0]) and a[2] is not None]
    if not accounts:
        return None
    currency = user_main_currency(user)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[str, int] = defaultdict(int)
    other: dict[str, int] = defaultdict(int)
    for kind, account_currency, balance in accounts:
        if account_currency != currency:
            other[account_currency] += 1
            continue
        totals[GROUPS[kind]] += balance
        counts[GROUPS[kind]] += 1
    owed = -totals["credit"]
    return {"currency": currency, "cash": totals["cash"], "savings": totals["savings"],
            "credit_owed": max(owed, ZERO), "credit_in_credit": max(-owed, ZERO),
            "counts": {"cash": counts["cash"], "savings": counts["savings"], "credit": counts["credit"]},
            "other_currency_accounts": dict(other)}


register(HomeTile(slug="balances", title="Balances", data=balances, order=5, link="web:accounts",
                  link_label="See each balance", template="web/home/tiles/balances.html",
                  empty_text="No accounts yet. Connect a bank or add an account by hand."))
