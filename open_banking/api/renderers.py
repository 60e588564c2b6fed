"""CSV export of bank transactions (?format=csv); the renderer is the core's."""

from __future__ import annotations

from integrations_core.api.renderers import CSVRenderer, csv_cell, csv_line

__all__ = ["CSV_COLUMNS", "CSVRenderer", "csv_cell", "csv_line"]

CSV_COLUMNS = ["booked_date", "value_date", "account_name", "description", "merchant_name", "amount", "currency",
               "type", "status", "category", "provider_category", "running_balance", "id"]
