"""Prices the platform itself reported: the price on the latest snapshot holding at or before
the day asked for. Nothing is fetched: the source reads a lookup over what was stored, by
default the price history (SecurityPrice rows the snapshot imports keep), or one the caller
supplies (records in memory, sandbox data), so it works offline and in tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from django.db.models import Q

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


@dataclass(frozen=True)
class StoredPrice:
    """A SecurityPrice row as the source reads it: the close, dated by its day."""

    price: Decimal | None
    price_currency: str
    price_as_of: date | None


def stored_prices(security: str, on: date) -> Iterable[PricedHolding]:
    """The latest stored price on or before `on` of the security named by its pk, its ISIN or a
    provider's id for it (any platform, the statement imports too). One query."""
    from investments.models import SecurityPrice  # the models import the core, not this module

    match = Q(security__isin=security) | Q(security__aliases__external_id=security)
    try:
        match |= Q(security_id=uuid.UUID(str(security)))
    except ValueError:
        pass
    row = (SecurityPrice.objects.filter(match, date__lte=_day(on)).order_by("-date", "-recorded_at")
           .values_list("close", "currency", "date").first())
    return [] if row is None else [StoredPrice(*row)]


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


class PlatformPriceSource:
    name = "platform"

    def __init__(self, lookup: HoldingLookup | None = None, **_ignored: object) -> None:
        # Registry entries are built with the same keyword arguments; the unknown are ignored.
        self.lookup: HoldingLookup = lookup or stored_prices

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
