"""CSV exports (?format=csv) for every family's lists: cells safe from spreadsheet formulas."""

from __future__ import annotations

import csv
import io

from rest_framework.renderers import BaseRenderer

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote (CSV injection)."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell(v) for v in values])
    return buffer.getvalue()


class CSVRenderer(BaseRenderer):
    """Chosen by ?format=csv. Lists are streamed by the view; this renders what else comes
    through (an error body) as key,value lines."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data.items() if isinstance(data, dict) else enumerate(data if isinstance(data, list) else [data])
        return "".join(csv_line([k, v]) for k, v in rows).encode()
