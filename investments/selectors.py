"""Investment queries: the only code that builds non-trivial queries over the investment tables.

Every query starts from the person (`connection__user`), so another person's account, holding,
security or trade is never found (the API answers 404). Figures are exact Decimals in the
account's currency (figures.py): a holding in another currency is converted at the ECB rate of
its snapshot's date and says so; a figure that cannot be known (no rate for that day, a missing
book cost) is None, never a guess."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from integrations_core.models import RecordSource
from integrations_core.records import HoldingRecord

from .figures import Figures, HoldingRow, PortfolioTotal, holding_row, rows_figures
from .figures import portfolio_total as figures_portfolio_total
from .models import (
    AccountValuation,
    Holding,
    InvestmentAccount,
    InvestmentConnection,
    InvestmentTransaction,
    Security,
    Wrapper,
)
from .prices.registry import fx_source
from .services.book_cost import positions_from_trades
from .services.reconciliation import HoldingDifference, holdings_reconcile

# Never shown, and encrypted: loading them would decrypt them on every row.
CONNECTION_SECRETS = ("access_token", "refresh_token", "credentials", "sync_state")
_DEFERRED_ACCOUNT = ("raw", *(f"connection__{name}" for name in CONNECTION_SECRETS))


# --- connections and accounts -------------------------------------------------------------
def investment_connection_list(user) -> QuerySet[InvestmentConnection]:
    return InvestmentConnection.objects.filter(user=user)


def investment_connection_get(user, pk) -> InvestmentConnection:
    found = investment_connection_list(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such connection")
    return found


def investment_accounts_for(user) -> QuerySet[InvestmentAccount]:
    """The person's investment accounts (synced, statement and manual), with their connection
    and current snapshot in the same query."""
    return (InvestmentAccount.objects.filter(connection__user=user)
            .select_related("connection", "current_snapshot").defer(*_DEFERRED_ACCOUNT)
            .order_by("wrapper", "name", "id"))


def investment_account_get(user, pk) -> InvestmentAccount:
    found = investment_accounts_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such account")
    return found


# --- figures (computed in figures.py) -------------------------------------------------------
def _snapshot_day(snapshot) -> date:
    """The day a snapshot's figures are converted on; today before any snapshot (cash only)."""
    return snapshot.date if snapshot is not None else timezone.localdate()


def _holdings_of(account: InvestmentAccount) -> list[Holding]:
    cached = getattr(account, "current_holdings", None)  # prefetched by portfolio_summary
    if cached is not None:
        return cached
    if account.current_snapshot_id is None:
        return []
    return list(Holding.objects.filter(snapshot_id=account.current_snapshot_id).select_related("security")
                .order_by("security__name", "id"))


def account_holdings(account: InvestmentAccount) -> list[HoldingRow]:
    """The account's current holdings, by security name, in the account currency too (FX at
    the snapshot's date, see figures.py); empty before its first snapshot."""
    snapshot = account.current_snapshot if account.current_snapshot_id else None
    source = snapshot.source if snapshot is not None else RecordSource.MANUAL
    fx = fx_source()
    return [holding_row(h, account, source, _snapshot_day(snapshot), fx) for h in _holdings_of(account)]


def account_figures(account: InvestmentAccount) -> Figures:
    """Cash, holdings value and book cost in the account currency. A holding in another
    currency is converted at the ECB fixing of the snapshot's date (None, with the reason,
    when there is none); its book cost is not converted, so the book cost is then unknown; a
    holding without a book cost makes the book cost unknown."""
    return rows_figures(account, account_holdings(account))


@dataclass(frozen=True)
class AccountSummary:
    account: InvestmentAccount
    figures: Figures
    last_synced_at: datetime | None


@dataclass(frozen=True)
class WrapperGroup:
    wrapper: str
    label: str
    accounts: list[AccountSummary]
    totals: list[Figures] = field(default_factory=list)  # one per currency, in currency order


def _with_holdings(accounts: QuerySet[InvestmentAccount]) -> QuerySet[InvestmentAccount]:
    """The accounts with their current snapshot's holdings (and securities) in one more query."""
    holdings = Holding.objects.select_related("security").order_by("security__name", "id")
    return accounts.prefetch_related(Prefetch("current_snapshot__holdings", queryset=holdings,
                                              to_attr="current_holdings_list"))


def account_summaries(user) -> list[AccountSummary]:
    """Every investment account with its figures, in two queries whatever the number of
    accounts or holdings."""
    rows = []
    for account in _with_holdings(investment_accounts_for(user)):
        snapshot = account.current_snapshot
        account.current_holdings = getattr(snapshot, "current_holdings_list", []) if snapshot else []
        rows.append(AccountSummary(account=account, figures=account_figures(account),
                                   last_synced_at=account.last_synced_at or account.connection.last_synced_at))
    return rows


def portfolio_summary(user) -> list[WrapperGroup]:
    """The person's accounts grouped by wrapper (in Wrapper order), each group with its totals
    per currency."""
    summaries = account_summaries(user)
    groups = []
    for wrapper in Wrapper:
        in_wrapper = [s for s in summaries if s.account.wrapper == wrapper.value]
        if not in_wrapper:
            continue
        currencies = sorted({s.figures.currency for s in in_wrapper})
        totals = [Figures.add(c, [s.figures for s in in_wrapper if s.figures.currency == c]) for c in currencies]
        groups.append(WrapperGroup(wrapper=wrapper.value, label=wrapper.label, accounts=in_wrapper, totals=totals))
    return groups


def portfolio_total(user, *, currency: str | None = None,
                    summaries: list[AccountSummary] | None = None) -> PortfolioTotal:
    """All the person's investment accounts in `currency` (default their main currency), each
    converted at the ECB fixing of its snapshot's date, with the unconverted totals per currency."""
    if currency is None:
        from transactions.selectors.spending import user_main_currency  # the ledger imports this module

        currency = user_main_currency(user)
    if summaries is None:
        summaries = account_summaries(user)
    parts = [(s.figures, _snapshot_day(s.account.current_snapshot if s.account.current_snapshot_id else None))
             for s in summaries]
    return figures_portfolio_total(parts, currency, fx_source())


# --- reconciliation ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Trade:
    """An InvestmentTransaction row as positions_from_trades reads it (security by key)."""

    external_id: str
    type: str
    booked_date: date
    amount: Decimal | None
    currency: str
    security_external_id: str
    quantity: Decimal | None
    price: Decimal | None
    price_currency: str
    fees: Decimal
    taxes: Decimal
    original_currency: str
    fx_rate: Decimal | None
    booked_at: datetime | None


def _security_keys(securities: Iterable[Security]) -> dict:
    """Security pk -> a readable key unique in this account (ISIN, else ticker, else name)."""
    securities = {s.pk: s for s in securities}
    labels = {pk: s.isin or s.ticker or s.name for pk, s in securities.items()}
    taken = list(labels.values())
    return {pk: label if taken.count(label) == 1 else f"{label} ({pk})" for pk, label in labels.items()}


def account_reconciliation(account: InvestmentAccount) -> list[HoldingDifference]:
    """Holdings rebuilt from the account's stored transactions (pooled book cost) against its
    current snapshot, every difference (see services/reconciliation.py). Nothing to compare —
    an empty list — before a first snapshot, for a manual account (no platform reported it)
    and for a statement snapshot, which the statement import itself rebuilds from the same
    transactions (the history would be compared with itself)."""
    snapshot = account.current_snapshot if account.current_snapshot_id else None
    if snapshot is None or snapshot.source in (RecordSource.STATEMENT, RecordSource.MANUAL) or account.is_manual:
        return []
    trades = list(InvestmentTransaction.objects.filter(account=account, security__isnull=False)
                  .select_related("security").defer("raw", "locked_fields", "security__raw"))
    holdings = _holdings_of(account)
    keys = _security_keys([t.security for t in trades] + [h.security for h in holdings])
    rebuilt = positions_from_trades(
        [_Trade(external_id=t.external_id, type=t.type, booked_date=t.booked_date, amount=t.amount,
                currency=t.currency, security_external_id=keys[t.security_id], quantity=t.quantity, price=t.price,
                price_currency=t.price_currency, fees=t.fees, taxes=t.taxes, original_currency=t.original_currency,
                fx_rate=t.fx_rate, booked_at=t.booked_at) for t in trades],
        account_currency=account.currency)
    reported = [HoldingRecord(security_external_id=keys[h.security_id], quantity=h.quantity, price=h.price,
                              price_currency=h.price_currency, value=h.value, book_cost=h.book_cost,
                              currency=h.currency or account.currency) for h in holdings]
    return holdings_reconcile(rebuilt, reported)


# --- holdings, securities, trades, valuations ---------------------------------------------
def holding_list(user) -> QuerySet[Holding]:
    """Every holding in the current snapshot of each of the person's accounts."""
    return (Holding.objects.filter(snapshot__account__connection__user=user,
                                   snapshot__account__current_snapshot_id=F("snapshot_id"))
            .select_related("security", "snapshot__account").defer("raw", "snapshot__account__raw")
            .order_by("security__name", "id"))


def holding_rows_for(user) -> list[HoldingRow]:
    """holding_list as rows (price in the account currency, gain, badge): one query."""
    fx = fx_source()
    return [holding_row(h, h.snapshot.account, h.snapshot.source, h.snapshot.date, fx) for h in holding_list(user)]


def security_list_for(user) -> QuerySet[Security]:
    """Securities the person holds now (any current snapshot) or has traded."""
    held = Holding.objects.filter(security=OuterRef("pk"), snapshot__account__connection__user=user,
                                  snapshot__account__current_snapshot_id=F("snapshot_id"))
    traded = InvestmentTransaction.objects.filter(security=OuterRef("pk"), account__connection__user=user)
    return Security.objects.filter(Q(Exists(held)) | Q(Exists(traded))).defer("raw").order_by("name", "id")


def security_get_for(user, pk) -> Security:
    found = security_list_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No such security")
    return found


def investment_transaction_list(user, filters: Mapping | None = None) -> QuerySet[InvestmentTransaction]:
    """The person's investment transactions, newest first. `filters` (all optional): account,
    security (pks), type, date_from, date_to (dates), amount_min, amount_max (Decimals)."""
    filters = filters or {}
    queryset = (InvestmentTransaction.objects.filter(account__connection__user=user)
                .select_related("account", "security").defer("raw", "locked_fields", "account__raw")
                .order_by("-booked_date", "-id"))
    lookups = {"account": "account_id", "security": "security_id", "type": "type",
               "date_from": "booked_date__gte", "date_to": "booked_date__lte",
               "amount_min": "amount__gte", "amount_max": "amount__lte"}
    wanted = {lookups[name]: value for name, value in filters.items() if name in lookups and value not in (None, "")}
    return queryset.filter(**wanted)


def security_transactions(account: InvestmentAccount, security: Security) -> QuerySet[InvestmentTransaction]:
    """One security's trades and income in one account, oldest first (how its pool was built)."""
    return (InvestmentTransaction.objects.filter(account=account, security=security)
            .select_related("security").defer("raw").order_by("booked_date", "booked_at", "id"))


def account_valuations(account: InvestmentAccount, *, date_from: date | None = None,
                       date_to: date | None = None) -> QuerySet[AccountValuation]:
    """The account's value history, oldest first."""
    queryset = AccountValuation.objects.filter(account=account).defer("raw").order_by("date")
    if date_from:
        queryset = queryset.filter(date__gte=date_from)
    if date_to:
        queryset = queryset.filter(date__lte=date_to)
    return queryset
