"""The items every family offers, collected once per run or page, checked and keyed."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from ..registry import ItemKind, ReconItem, item_sources

logger = logging.getLogger(__name__)

KINDS = frozenset(v for k, v in vars(ItemKind).items() if k.isupper())


class ItemSourceFailed(Exception):
    """A family's item source raised: the run stops and changes nothing (without that family's
    items the engine would drop every match they are in)."""


@dataclass(frozen=True)
class Period:
    since: date
    until: date


def lookback_period(today: date) -> Period:
    """What a run looks at: RECONCILIATION_LOOKBACK_DAYS back (400 by default: a year of books
    and a month either side), and a week ahead (payouts in transit carry a future arrival date)."""
    days = int(getattr(settings, "RECONCILIATION_LOOKBACK_DAYS", 400))
    return Period(today - timedelta(days=days), today + timedelta(days=7))


def _valid(item) -> bool:
    return (isinstance(item, ReconItem) and item.kind in KINDS and bool(item.key)
            and isinstance(item.amount, Decimal) and item.amount.is_finite() and item.amount != 0
            and isinstance(item.currency, str) and len(item.currency) == 3 and isinstance(item.date, date))


def items_collect(user, period: Period) -> dict[str, ReconItem]:
    """Every item of the person's in the period, by key (the first of a repeated key wins).
    An item that breaks the registry's contract is skipped and logged, never fatal."""
    found: dict[str, ReconItem] = {}
    for source in item_sources():
        try:
            produced = list(source(user, since=period.since, until=period.until))
        except Exception as exc:
            logger.exception("reconciliation item source failed source=%s", getattr(source, "__qualname__", source))
            raise ItemSourceFailed(str(getattr(source, "__module__", source))) from exc
        for item in produced:
            if not _valid(item):
                logger.warning("reconciliation item skipped (bad shape) source=%s", source.__module__)
                continue
            found.setdefault(item.key, item)
    return found
