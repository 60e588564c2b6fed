"""Net worth across every family, asking each cash ledger what its accounts are worth now and
were worth day by day (banks: their balances, a credit card's negative; investments: cash plus
holdings; a new family only registers its ledger in settings.CASH_LEDGERS). The core imports no
family. Amounts are never converted: the total is in the person's main currency (the one most of
their accounts are held in), and money held in other currencies is listed beside it.

`net_worth_summary` is the one selector the web page, the API and the budgets page read: today's
figure, its split by family and by institution, and the daily history (cached per person until
their next sync, integrations_core/person_cache.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from .ledger import AccountHistory, AccountValue, ledgers
from .person_cache import person_cached

HISTORY_DAYS = 5 * 366


@dataclass(frozen=True)
class NetWorth:
    total: Decimal  # in `currency`
    currency: str
    by_family: dict[str, Decimal]  # family -> its part of `total`
    other_currencies: dict[str, Decimal] = field(default_factory=dict)  # currency -> total held in it
    accounts: list[AccountValue] = field(default_factory=list)
    unknown: list[AccountValue] = field(default_factory=list)  # accounts whose value is not known now
    by_institution: dict[str, Decimal] = field(default_factory=dict)  # institution -> its part of `total`


def _main_currency(currencies: list[str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for currency in currencies:
        counts[currency] += 1
    return max(sorted(counts), key=lambda c: counts[c]) if counts else "GBP"


def net_worth(user, *, currency: str | None = None) -> NetWorth:
    """The person's counted accounts (a revoked connection's are history), added up per
    currency. `currency` picks the total's currency; by default the one most of the accounts
    are held in (GBP for a person with none)."""
    accounts = [value for ledger in ledgers() for value in ledger.values_for(user)]
    known = [a for a in accounts if a.value is not None]
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for account in known:
        per_currency[account.currency] += account.value
    currency = currency or _main_currency([a.currency for a in known])
    by_family: dict[str, Decimal] = {str(ledger.family): Decimal(0) for ledger in ledgers()}
    by_institution: dict[str, Decimal] = defaultdict(Decimal)
    for account in known:
        if account.currency == currency:
            by_family[account.family] += account.value
            by_institution[account.institution or "Other"] += account.value
    return NetWorth(total=per_currency.get(currency, Decimal(0)), currency=currency, by_family=by_family,
                    other_currencies={c: v for c, v in sorted(per_currency.items()) if c != currency},
                    accounts=accounts, unknown=[a for a in accounts if a.value is None],
                    by_institution=dict(sorted(by_institution.items(), key=lambda kv: -kv[1])))


@dataclass(frozen=True)
class NetWorthDay:
    day: date
    total: Decimal
    by_family: dict[str, Decimal]
    accounts_known: int  # accounts with a value on or before this day


@dataclass(frozen=True)
class NetWorthHistory:
    currency: str
    days: list[NetWorthDay]
    by_institution: dict[str, Decimal]  # on the last day
    left_out: list[str]  # accounts in another currency than `currency`


def net_worth_history(user, *, date_from: date, date_to: date, currency: str) -> NetWorthHistory:
    """Every day's total of the accounts held in `currency`: each account's latest known value on
    or before the day (an account before its first known value is not counted yet)."""
    histories: list[AccountHistory] = [h for ledger in ledgers() for h in ledger.history_for(user, date_from, date_to)]
    counted = [h for h in histories if h.currency == currency]
    families = sorted({str(ledger.family) for ledger in ledgers()})
    days: list[NetWorthDay] = []
    last: dict = {}
    changes: dict[date, list[tuple[int, Decimal]]] = defaultdict(list)
    for n, h in enumerate(counted):
        for day, value in h.values.items():
            changes[day].append((n, value))
    day = date_from
    while day <= date_to:
        for n, value in changes.get(day, ()):
            last[n] = value
        by_family = dict.fromkeys(families, Decimal(0))
        for n, value in last.items():
            by_family[counted[n].family] = by_family.get(counted[n].family, Decimal(0)) + value
        days.append(NetWorthDay(day, sum(by_family.values(), Decimal(0)), by_family, len(last)))
        day += timedelta(days=1)
    by_institution: dict[str, Decimal] = defaultdict(Decimal)
    for n, value in last.items():
        by_institution[counted[n].institution or "Other"] += value
    return NetWorthHistory(currency=currency, days=days,
                           by_institution=dict(sorted(by_institution.items(), key=lambda kv: -kv[1])),
                           left_out=sorted(f"{h.name} ({h.currency})" for h in histories if h.currency != currency))


@dataclass(frozen=True)
class NetWorthSummary:
    now: NetWorth
    history: NetWorthHistory


def net_worth_summary(user, *, days: int = HISTORY_DAYS) -> NetWorthSummary:
    """Today's net worth and its daily history over `days` (cached until the person's next sync)."""
    today = timezone.localdate()

    def compute() -> NetWorthSummary:
        now = net_worth(user)
        history = net_worth_history(user, date_from=today - timedelta(days=days - 1), date_to=today,
                                    currency=now.currency)
        return NetWorthSummary(now=now, history=history)

    return person_cached(user.pk, f"networth:{today}:{days}", compute)
