"""The business dashboard's shapes for the page: income by source as a server-side SVG bar
chart (no script; CSP allows none inline), one chart per currency so pounds and euros are never
drawn on one scale."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from reconciliation.services.dashboard import BusinessSummary

CHART_WIDTH, BAR_HEIGHT, GAP, LABEL_WIDTH = 640, 22, 12, 150
COLOURS = {"net": "#2f6f4f", "fees": "#c77d1a", "refunds": "#8a4b9e", "disputes": "#b33a3a"}


@dataclass(frozen=True)
class Segment:
    part: str  # net | fees | refunds | disputes
    x: str
    width: str
    colour: str
    amount: Decimal


@dataclass(frozen=True)
class Bar:
    source: str
    y: int
    text_y: int
    gross: Decimal
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class IncomeChart:
    currency: str
    height: int
    bars: tuple[Bar, ...]
    width: int = CHART_WIDTH
    label_width: int = LABEL_WIDTH


def income_charts(summary: BusinessSummary) -> list[IncomeChart]:
    """Per currency: a bar per source, as long as its gross takings, split into what the
    business kept (net) and where the rest went (fees, refunds, disputes)."""
    charts = []
    for total in summary.totals:
        lines = [line for line in summary.income if line.currency == total.currency]
        widest = max((line.gross for line in lines), default=Decimal(0))
        if widest <= 0:
            continue
        scale = Decimal(CHART_WIDTH - LABEL_WIDTH - 10) / widest
        bars = []
        for i, line in enumerate(lines):
            y, x, segments = i * (BAR_HEIGHT + GAP), Decimal(LABEL_WIDTH), []
            for part in ("net", "fees", "refunds", "disputes"):
                amount = max(getattr(line, part), Decimal(0))
                width = (amount * scale).quantize(Decimal("0.1"))
                if width > 0:
                    segments.append(Segment(part, f"{x}", f"{width}", COLOURS[part], amount))
                    x += width
            bars.append(Bar(line.source, y, y + BAR_HEIGHT // 2 + 5, line.gross, tuple(segments)))
        charts.append(IncomeChart(total.currency, len(bars) * (BAR_HEIGHT + GAP), tuple(bars)))
    return charts
