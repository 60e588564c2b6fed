"""The investment family's cash ledger (see integrations_core/ledger.py).

The money that moves in and out of an investment account (deposits, withdrawals, dividends,
interest, fees, tax) is visible to the money queries through this ledger, never by importing a
bank model. Buys, sells, splits and transfers of securities move cash inside the account (or
none at all) and are not counted. Not categorised: the transactions app neither categorises,
pairs nor learns from these rows (a deposit from a bank account is already the bank's outgoing
transfer, so budgets and spending, which read the categorised ledger only, never count it twice).

An account is worth its cash plus its current holdings' value (selectors.account_figures)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from integrations_core.ledger import AccountHistory, AccountValue, CashLedger, institution_of
from integrations_core.models import ConnectionStatus
from integrations_core.providers.base import Family

from .models import InvestmentAccount, InvestmentTransaction, InvestmentTransactionType

T = InvestmentTransactionType
CASH_MOVEMENTS = frozenset({T.DEPOSIT, T.WITHDRAWAL, T.DIVIDEND, T.INTEREST, T.FEE, T.TAX})
# The category a cash movement carries (set when it is written), as the plan's taxonomy names it.
CATEGORY_BY_TYPE = {
    T.DEPOSIT: "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS",
    T.WITHDRAWAL: "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS",
    T.DIVIDEND: "INCOME_DIVIDENDS",
    T.INTEREST: "INCOME_INTEREST_EARNED",
    T.FEE: "BANK_FEES_OTHER_BANK_FEES",
    T.TAX: "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
}


def investment_accounts_counted(user) -> QuerySet[InvestmentAccount]:
    """The person's investment accounts whose money counts (a revoked connection's are history)."""
    return (InvestmentAccount.objects.filter(connection__user=user)
            .exclude(connection__status=ConnectionStatus.REVOKED))


def investment_cash_movements_counted(user) -> QuerySet[InvestmentTransaction]:
    return (InvestmentTransaction.objects.filter(account__connection__user=user, type__in=CASH_MOVEMENTS)
            .exclude(account__connection__status=ConnectionStatus.REVOKED))


def investment_account_values(user) -> list[AccountValue]:
    """Cash + holdings value of each counted account: two queries whatever the numbers."""
    from .selectors import account_summaries

    return [AccountValue(id=s.account.pk, family=str(Family.INVESTMENTS), name=s.account.name,
                         currency=s.account.currency, value=s.figures.value,
                         as_of=(s.account.current_snapshot.as_of if s.account.current_snapshot else
                                s.account.balance_updated_at), institution=institution_of(s.account.connection))
            for s in account_summaries(user) if s.account.connection.status != ConnectionStatus.REVOKED]


def investment_account_history(user, date_from, date_to) -> list[AccountHistory]:
    """Each counted account's daily value: rebuilt from its trades and prices in GBP
    (performance.py; a day without a price or rate is left unknown), else the valuations
    stored for it (a manual account, a platform without a trade history), in its currency.
    The day of the account's current snapshot, when the rebuild has no value for it (a price
    gap), takes the value the platform reported, so the history ends where "now" does instead
    of carrying an old value forward."""
    from .models import AccountValuation
    from .performance import BASE_CURRENCY, portfolio_series_cached
    from .selectors import _snapshot_day, account_summaries

    accounts = list(investment_accounts_counted(user).select_related("connection"))
    built = portfolio_series_cached(user, date_to)
    reported = {s.account.pk: s for s in account_summaries(user)}
    out = []
    for account in accounts:
        measured = built.find("account", str(account.pk))
        values: dict = {}
        currency = account.currency
        if measured is not None:
            currency = BASE_CURRENCY
            series = measured.base
            for i, value in enumerate(series.values):
                day = series.day(i)
                if value is not None and date_from <= day <= date_to:
                    values[day] = value.quantize(Decimal("0.01"))
        else:
            for day, value in (AccountValuation.objects.filter(account=account, date__lte=date_to, value__isnull=False)
                               .order_by("date").values_list("date", "value")):
                values[max(day, date_from)] = value
        summary = reported.get(account.pk)
        if summary is not None and summary.figures.value is not None and account.currency == currency:
            snapshot = account.current_snapshot if account.current_snapshot_id else None
            day = _snapshot_day(snapshot) if snapshot is not None else None
            if day is not None and date_from <= day <= date_to and day not in values:
                values[day] = summary.figures.value
        out.append(AccountHistory(id=account.pk, family=str(Family.INVESTMENTS), name=account.name,
                                  institution=institution_of(account.connection), currency=currency, values=values))
    return out


investment_ledger = CashLedger(
    family=Family.INVESTMENTS,
    account_model="investments.InvestmentAccount",
    transaction_model="investments.InvestmentTransaction",
    categorised=False,
    counted_accounts=investment_accounts_counted,
    counted_movements=investment_cash_movements_counted,
    account_values=investment_account_values,
    account_history=investment_account_history,
)
