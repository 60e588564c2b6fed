"""The net worth tile (integrations_core/home_tiles.py), registered here because net worth is the
core's: every family joins it through its cash ledger (settings.CASH_LEDGERS), so investments and
pensions appear on the home screen without a tile of their own."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .home_tiles import HomeTile, register
from .networth import net_worth, net_worth_history

TREND_DAYS = 90
CHART_WIDTH, CHART_HEIGHT = 300, 60


def _sparkline(values: list[Decimal]) -> str:
    """SVG polyline points for the trend (floats only here, at the drawing edge)."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or Decimal(1)
    step = CHART_WIDTH / (len(values) - 1)
    return " ".join(f"{n * step:.1f},{CHART_HEIGHT - float((v - low) / span) * CHART_HEIGHT:.1f}"
                    for n, v in enumerate(values))


def net_worth_tile(user, today: date) -> dict | None:
    now = net_worth(user)
    if not now.accounts:
        return None
    history = net_worth_history(user, date_from=today - timedelta(days=TREND_DAYS - 1), date_to=today,
                                currency=now.currency)
    known = [d for d in history.days if d.accounts_known]
    start = known[0].total if len(known) > 1 else None  # one day known is no trend yet
    return {"total": now.total, "currency": now.currency,
            "by_family": [{"family": family, "value": value} for family, value in now.by_family.items() if value],
            "other_currencies": [{"currency": c, "value": v} for c, v in now.other_currencies.items()],
            "unknown_count": len(now.unknown),
            "change_90_days": (now.total - start) if start is not None else None,
            "sparkline": _sparkline([d.total for d in known])}


register(HomeTile(slug="net-worth", title="Net worth", data=net_worth_tile, order=10, link="web:accounts",
                  link_label="Balances over time", template="web/home/tiles/net_worth.html",
                  empty_text="Connect a bank, platform or pension to see what you are worth."))
