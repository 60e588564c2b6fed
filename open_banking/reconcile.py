"""Bank credits and debits as reconciliation items (reconciliation/registry.py): the money side
of a payout, an invoice paid by transfer, a bill paid.

Which accounts: the person's business accounts when they have any (an account the bank types
as business: Open Banking's "Business" account type, TrueLayer's BUSINESS_TRANSACTION, Berlin
Group's `usage` ORGA), otherwise all their current accounts (a sole trader banking personally).
Only booked lines count (a pending line has no settled amount or date yet), of accounts whose
transactions count in totals (a revoked connection's rows are history)."""

from __future__ import annotations

from datetime import date

from integrations_core.models import TransactionStatus
from reconciliation.registry import ItemKind, ReconItem, register_items

from .models import BankAccountType
from .selectors import bank_accounts_counted, bank_transactions_counted


def is_business_account(account) -> bool:
    raw = account.raw if isinstance(account.raw, dict) else {}
    return "BUSINESS" in (account.subtype or "").upper() or str(raw.get("usage", "")).upper() == "ORGA"


def reconciled_accounts(user) -> list:
    accounts = list(bank_accounts_counted(user).filter(type=BankAccountType.CURRENT).only(
        "id", "name", "subtype", "raw", "currency"))
    business = [a for a in accounts if is_business_account(a)]
    return business or accounts


@register_items
def bank_items(user, *, since: date, until: date):
    accounts = {a.pk: a for a in reconciled_accounts(user)}
    if not accounts:
        return
    rows = (bank_transactions_counted(user).filter(account_id__in=list(accounts), status=TransactionStatus.BOOKED,
                                                  booked_date__gte=since, booked_date__lte=until)
            .exclude(amount=0).only("id", "account_id", "booked_date", "amount", "currency", "description",
                                    "merchant_name", "raw").order_by("booked_date"))
    for row in rows:
        raw = row.raw if isinstance(row.raw, dict) else {}
        reference = str(raw.get("reference") or raw.get("remittanceInformationUnstructured")
                        or (raw.get("meta") or {}).get("provider_reference") or "")[:200]
        yield ReconItem(
            kind=ItemKind.BANK_CREDIT if row.amount > 0 else ItemKind.BANK_DEBIT,
            key=f"{row._meta.app_label}.{row._meta.model_name}:{row.pk}",
            date=row.booked_date, amount=abs(row.amount), currency=row.currency.upper(),
            reference=reference or row.description, counterparty=row.merchant_name or "",
            label=row.description, source=accounts[row.account_id].name, url="/transactions/")
