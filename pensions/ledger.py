"""The pension family's ledger (see integrations_core/ledger.py): what counts in net worth.

A pot (DC, AVC, cash balance) counts at its latest valuation; a pension that pays an income (DB)
is not a pot and never counts: its yearly income is shown beside the total (selectors
`pension_incomes`). A possible match is not the person's until the scheme confirms it, so it
does not count either. Contributions are not cash movements of the person's accounts (the bank's
payment out is), so no movement counts."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from integrations_core.ledger import AccountValue, CashLedger
from integrations_core.models import ConnectionStatus
from integrations_core.providers.base import Family

from .models import POT_TYPES, MatchType, PensionAccount, PensionContribution, PensionValuation


def pension_accounts_counted(user) -> QuerySet[PensionAccount]:
    return (PensionAccount.objects.filter(connection__user=user, is_active=True)
            .exclude(connection__status=ConnectionStatus.REVOKED))


def pension_pots_counted(user) -> QuerySet[PensionAccount]:
    return pension_accounts_counted(user).filter(pension_type__in=POT_TYPES, match_type=MatchType.DEFN)


def pension_movements_counted(user) -> QuerySet[PensionContribution]:
    return PensionContribution.objects.none()


def pension_pot_values(user) -> list[AccountValue]:
    """Each counted pot at its latest valuation (None when it has none yet): one query."""
    latest = PensionValuation.objects.filter(account=OuterRef("pk")).order_by("-date")
    pots = pension_pots_counted(user).annotate(
        latest_value=Subquery(latest.values("value")[:1]), latest_date=Subquery(latest.values("date")[:1]),
        latest_currency=Subquery(latest.values("currency")[:1]))
    return [AccountValue(id=p.pk, family=str(Family.PENSIONS), name=p.name, currency=p.latest_currency or p.currency,
                         value=p.latest_value, as_of=p.latest_date) for p in pots]


pension_ledger = CashLedger(
    family=Family.PENSIONS,
    account_model="pensions.PensionAccount",
    transaction_model="pensions.PensionContribution",
    categorised=False,
    counted_accounts=pension_accounts_counted,
    counted_movements=pension_movements_counted,
    account_values=pension_pot_values,
)
