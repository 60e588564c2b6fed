"""Prices the platform itself reported: the price on the latest snapshot holding at or before
the day asked for. Nothing is fetched; the caller supplies a lookup over what was stored (model
rows later, records or sandbox data now), so this source works offline and in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from integrations_core.records import HoldingRecord, HoldingSnapshotRecord
from investments.prices.base import Quote


class PricedHolding(Protocol):
    """What the source reads from a reported holding (HoldingRecord or a model row)."""

    @property
    def price(self) -> Decimal | None: ...
    @property
    def price_currency(self) -> str: ...
    @property
    def price_as_of(self) -> datetime | None: ...


# security external id, day -> the reported holdings of that security (any order, any dates:
# the source keeps the latest priced one not after the day).
HoldingLookup = Callable[[str, date], Iterable[PricedHolding]]


def _no_holdings(security: str, on: date) -> Iterable[PricedHolding]:
    return ()


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


class PlatformPriceSource:
    name = "platform"

    def __init__(self, lookup: HoldingLookup | None = None, **_ignored: object) -> None:
        # Registry entries are built with the same keyword arguments; the unknown are ignored.
        self.lookup: HoldingLookup = lookup or _no_holdings

    @classmethod
    def from_snapshots(cls, snapshots: Iterable[HoldingSnapshotRecord]) -> PlatformPriceSource:
        """A source over snapshot records in memory; a holding without `price_as_of` takes the
        snapshot's `as_of`."""
        by_security: dict[str, list[HoldingRecord]] = {}
        for snapshot in snapshots:
            for holding in snapshot.holdings:
                if holding.price_as_of is None:
                    holding = replace(holding, price_as_of=snapshot.as_of)
                by_security.setdefault(holding.security_external_id, []).append(holding)
        return cls(lambda security, on: by_security.get(security, ()))

    def price(self, security: str, on: date) -> Quote | None:
        on = _day(on)
        best: PricedHolding | None = None
        for holding in self.lookup(security, on):
            as_of = holding.price_as_of
            if holding.price is None or as_of is None or _day(as_of) > on:
                continue  # no price, an undated one, or one from after the day: never used
            if best is None or as_of > best.price_as_of:  # type: ignore[operator]
                best = holding
        if best is None or best.price_as_of is None:
            return None
        return Quote(
            security=security,
            price=best.price,  # type: ignore[arg-type]
            currency=best.price_currency,
            as_of=best.price_as_of,
            source=self.name,
        )
