"""The queries behind the tax reports: a person's investment transactions, split into taxable
accounts and the accounts left out (and why); and the same shape from one parsed activities
file, for `manage.py cgt_report --file`. Every query starts from the person, so nobody sees
another person's trades."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max

from integrations_core.providers.sources import ParsedStatement
from investments.models import InvestmentAccount, InvestmentConnection, InvestmentTransaction, Security
from investments.prices.base import FxSource
from investments.prices.registry import fx_source

from .cgt import CgtResult
from .income import IncomeReport, income_report
from .reports import CgtReport, ExcludedAccount, cgt_match, cgt_report, cgt_report_from, wrapper_exclusion
from .rules import TaxYear
from .sources import INCOME_TYPES, KIND_OF, Located

TAX_TYPES = tuple(KIND_OF) + INCOME_TYPES + ("tax",)


def _accounts(user) -> tuple[list[InvestmentAccount], list[InvestmentAccount], list[ExcludedAccount]]:
    taxable, exempt, excluded = [], [], []
    for account in InvestmentAccount.objects.filter(connection__user=user).order_by("name", "pk"):
        reason = wrapper_exclusion(account.name, account.wrapper)
        if reason is None:
            taxable.append(account)
        else:
            excluded.append(reason)
            exempt.append(account)
    return taxable, exempt, excluded


@dataclass(frozen=True, slots=True)
class _Row:
    """The columns the reports read (a TradeRow): no model instances, no raw payloads."""

    type: str
    booked_date: date
    amount: Decimal | None
    currency: str
    quantity: Decimal | None
    price: Decimal | None
    price_currency: str
    fees: Decimal
    taxes: Decimal
    original_currency: str
    fx_rate: Decimal | None


_COLUMNS = ("type", "booked_date", "amount", "currency", "quantity", "price", "price_currency", "fees", "taxes",
            "original_currency", "fx_rate")


def _located(accounts: list[InvestmentAccount], types: tuple[str, ...]) -> list[Located]:
    # values_list, not model rows: a person with 10,000 disposals has ~25,000 trades to read.
    rows = (InvestmentTransaction.objects.filter(account__in=accounts, type__in=types)
            .order_by("booked_date", "external_id").values_list(*_COLUMNS, "external_id", "security_id", "account_id"))
    account_names = {account.pk: account.name for account in accounts}
    rows = list(rows)
    names = dict(Security.objects.filter(pk__in={row[-2] for row in rows if row[-2]}).values_list("pk", "name"))
    return [Located(row=_Row(*row[:-3]), security=str(row[-2] or ""), label=names.get(row[-2], ""),
                    account=account_names[row[-1]], reference=row[-3]) for row in rows]


CACHE_SECONDS = 24 * 3600


def _history_version(user, taxable: list[InvestmentAccount]) -> str:
    """Changes whenever anything the matching reads may have changed: a trade added, edited or
    removed (count and latest timestamps), a sync finished (the connections' last sync), or a
    wrapper set (which accounts are taxable). One aggregate query."""
    figures = InvestmentTransaction.objects.filter(account__in=taxable, type__in=tuple(KIND_OF)).aggregate(
        n=Count("id"), updated=Max("updated_at"), created=Max("created_at"))
    synced = InvestmentConnection.objects.filter(user=user).aggregate(at=Max("last_synced_at"), n=Count("id"))
    text = repr((sorted((str(a.pk), a.wrapper) for a in taxable), figures, synced))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cgt_report_for_user(user, year: TaxYear, fx: FxSource | None = None) -> CgtReport:
    """The report for `year`. Matching the person's whole history is what costs (seconds for
    10,000 disposals), and any year needs all of it: with the configured FX source, the first
    view matches once and caches *every* year's report under a version of the history, so each
    later view (any year) reads one small entry, until a sync, an import or a wrapper change
    gives a new version. With an explicit `fx` nothing is cached."""
    taxable, _exempt, excluded = _accounts(user)
    accounts = [a.name for a in taxable]
    if fx is not None:
        return cgt_report_from(cgt_match(_located(taxable, tuple(KIND_OF)), fx), year, accounts=accounts,
                               excluded=excluded)
    prefix = f"tax:cgt:{user.pk}:{_history_version(user, taxable)}"
    found = cache.get_many([f"{prefix}:{year.start_year}", f"{prefix}:matched"])
    if f"{prefix}:{year.start_year}" in found:
        return found[f"{prefix}:{year.start_year}"]
    if f"{prefix}:matched" in found:  # this version is matched and the year has no disposal
        result_problems, source_problems = found[f"{prefix}:matched"]
        return cgt_report_from((CgtResult(problems=result_problems), source_problems), year, accounts=accounts,
                               excluded=excluded)
    matched = cgt_match(_located(taxable, tuple(KIND_OF)), fx_source())
    years = {TaxYear.of(d.day) for d in matched[0].disposals} | {year}
    reports = {y: cgt_report_from(matched, y, accounts=accounts, excluded=excluded) for y in years}
    entries = {f"{prefix}:{y.start_year}": r for y, r in reports.items()}
    entries[f"{prefix}:matched"] = (matched[0].problems, matched[1])
    cache.set_many(entries, timeout=CACHE_SECONDS)
    return reports[year]


def income_report_for_user(user, year: TaxYear, fx: FxSource | None = None) -> IncomeReport:
    taxable, exempt, excluded = _accounts(user)
    types = INCOME_TYPES + ("tax",)
    return income_report(_located(taxable, types), year, fx or fx_source(), exempt=_located(exempt, types),
                         excluded=excluded)


def located_from_statement(parsed: ParsedStatement) -> tuple[list[Located], list[ExcludedAccount]]:
    """One file is one account: taxable unless the file names a tax-free wrapper. A file that
    names none is taken as a GIA (the command says so), since it was given for a CGT report."""
    names = {security.external_id: security.name for security in parsed.securities}
    wrapper = str(parsed.account.extra.get("wrapper") or "gia").lower()
    reason = wrapper_exclusion(parsed.account.name, wrapper)
    if reason is not None:
        return [], [reason]
    located = [Located(row=record, security=record.security_external_id,
                       label=names.get(record.security_external_id, record.security_external_id),
                       account=parsed.account.name, reference=record.external_id or "")
               for record in parsed.transactions]
    return located, []


def cgt_report_for_statement(parsed: ParsedStatement, year: TaxYear, fx: FxSource | None = None) -> CgtReport:
    located, excluded = located_from_statement(parsed)
    return cgt_report(located, year, fx or fx_source(), accounts=[] if excluded else [parsed.account.name],
                      excluded=excluded)


def tax_years_with_activity(user) -> list[TaxYear]:
    """The tax years in which the person's taxable accounts sold something or received income."""
    taxable, _exempt, _excluded = _accounts(user)
    days = (InvestmentTransaction.objects.filter(account__in=taxable, type__in=("sell",) + INCOME_TYPES)
            .values_list("booked_date", flat=True).distinct())
    return sorted({TaxYear.of(day) for day in days})
