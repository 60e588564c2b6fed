"""CSV export of bank transactions (?format=csv); the renderer is the core's."""

from __future__ import annotations

from integrations_core.api.renderers import CSVRenderer, csv_cell, csv_line

__all__ = ["CSV_COLUMNS", "CSVRenderer", "category_label_cell", "csv_cell", "csv_line"]

CSV_COLUMNS = ["booked_date", "value_date", "account_name", "description", "merchant_name", "amount", "currency",
               "type", "status", "category", "category_label", "provider_category", "running_balance", "id"]


def category_label_cell(code: str) -> str:
    """The category's words beside its code ("Groceries" beside FOOD_AND_DRINK_GROCERIES), so a
    spreadsheet reader need not look codes up; blank when the row is not categorised yet."""
    from transactions.taxonomy import label_of

    return label_of(code) if code else ""
