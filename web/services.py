"""The only code in the web app that writes: setting a budget from the budgets page (which
composes the transactions app's own budget services). Manual accounts are open_banking's
(open_banking/services/manual.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from integrations_core.models import StatementImport, StatementImportStatus
from transactions.models import Budget
from transactions.services.budgets import budget_create, budget_update

from .selectors import budget_find


def budget_set(*, user, category: str, amount: Decimal, currency: str, month: date) -> tuple[Budget, bool]:
    """Create the category's budget from `month` on, or change the limit of the one it has.
    Returns (budget, created)."""
    existing = budget_find(user, category=category, currency=currency)
    if existing is None:
        return budget_create(user=user, category=category, amount=amount, currency=currency,
                             start_month=month), True
    values = {"amount": amount}
    if month < existing.start_month:
        values["start_month"] = month
    return budget_update(existing, **values), False


# --- portfolio ------------------------------------------------------------------------------
def statement_import_discard(statement_import: StatementImport) -> None:
    """Cancel a preview: its parsed rows go now rather than when it expires. An imported file's
    record stays (it is how a re-import is recognised)."""
    if statement_import.status != StatementImportStatus.IMPORTED:
        statement_import.delete()
