"""Holdings rebuilt from the trade history against the positions the platform reports.

Every difference is returned, none is hidden or netted: a security can have both a quantity and
a book cost difference. Kinds (`HoldingDifference.field`):
- quantity: both sides hold it, the quantities differ by more than `quantity_tolerance`;
- book_cost: the platform reports a book cost and ours differs by more than `cost_tolerance`
  (default one minor unit of the currency), or ours is unknown, or the two are in different
  currencies (not compared, reported);
- missing_in_history: the platform holds it, our history holds none (a trade or transfer we
  never received);
- missing_on_platform: our history holds it, the platform reports none.
A quantity of zero counts as not held. Several reported lines for one security are added up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from integrations_core.money import minor_units, money_text
from integrations_core.records import HoldingRecord, HoldingSnapshotRecord
from investments.services.book_cost import PooledPosition

QUANTITY = "quantity"
BOOK_COST = "book_cost"
MISSING_IN_HISTORY = "missing_in_history"
MISSING_ON_PLATFORM = "missing_on_platform"


@dataclass(frozen=True)
class HoldingDifference:
    security_external_id: str
    field: str  # quantity | book_cost | missing_in_history | missing_on_platform
    ours: Decimal | None
    theirs: Decimal | None
    message: str


@dataclass
class _Reported:
    quantity: Decimal
    book_cost: Decimal | None
    currency: str
    lines: int = 1


def holdings_reconcile(
    rebuilt: dict[str, PooledPosition],
    reported: HoldingSnapshotRecord | list[HoldingRecord],
    *,
    quantity_tolerance: Decimal = Decimal("0"),
    cost_tolerance: Decimal | None = None,
) -> list[HoldingDifference]:
    """Every difference between the rebuilt positions and the reported ones, sorted by
    security and then kind. `cost_tolerance=None` means one minor unit of the currency."""
    incomplete = isinstance(reported, HoldingSnapshotRecord) and not reported.complete
    holdings = reported.holdings if isinstance(reported, HoldingSnapshotRecord) else reported
    theirs_by_id = _aggregate(holdings)
    differences: list[HoldingDifference] = []
    for security in sorted(set(rebuilt) | set(theirs_by_id)):
        ours = rebuilt.get(security)
        theirs = theirs_by_id.get(security)
        ours_held = ours is not None and ours.quantity != 0
        theirs_held = theirs is not None and theirs.quantity != 0
        if theirs_held and not ours_held:
            differences.append(_missing_in_history(security, ours, theirs))  # type: ignore[arg-type]
        elif ours_held and not theirs_held:
            differences.append(_missing_on_platform(security, ours, incomplete))  # type: ignore[arg-type]
        elif ours_held and theirs_held:
            differences.extend(
                _compare(security, ours, theirs, quantity_tolerance, cost_tolerance)  # type: ignore[arg-type]
            )
    return differences


def _aggregate(holdings: Iterable[HoldingRecord]) -> dict[str, _Reported]:
    by_id: dict[str, _Reported] = {}
    for holding in holdings:
        seen = by_id.get(holding.security_external_id)
        if seen is None:
            by_id[holding.security_external_id] = _Reported(holding.quantity, holding.book_cost, holding.currency)
            continue
        seen.quantity += holding.quantity
        seen.lines += 1
        if seen.book_cost is None or holding.book_cost is None or holding.currency != seen.currency:
            seen.book_cost = None  # a partial sum would be a wrong figure; report it as not given
        else:
            seen.book_cost += holding.book_cost
    return by_id


def _missing_in_history(security: str, ours: PooledPosition | None, theirs: _Reported) -> HoldingDifference:
    return HoldingDifference(
        security_external_id=security,
        field=MISSING_IN_HISTORY,
        ours=ours.quantity if ours else None,
        theirs=theirs.quantity,
        message=(
            f"{security}: the platform reports {theirs.quantity} units, but the transaction history "
            "holds none (a trade or transfer-in is missing from the history)"
        ),
    )


def _missing_on_platform(security: str, ours: PooledPosition, incomplete: bool) -> HoldingDifference:
    note = " (the platform's snapshot was incomplete)" if incomplete else ""
    return HoldingDifference(
        security_external_id=security,
        field=MISSING_ON_PLATFORM,
        ours=ours.quantity,
        theirs=None,
        message=(
            f"{security}: the transaction history holds {ours.quantity} units, but the platform reports "
            f"no position{note} (a sale or transfer-out is missing from the history)"
        ),
    )


def _compare(
    security: str,
    ours: PooledPosition,
    theirs: _Reported,
    quantity_tolerance: Decimal,
    cost_tolerance: Decimal | None,
) -> list[HoldingDifference]:
    differences = []
    if abs(ours.quantity - theirs.quantity) > quantity_tolerance:
        differences.append(
            HoldingDifference(
                security_external_id=security,
                field=QUANTITY,
                ours=ours.quantity,
                theirs=theirs.quantity,
                message=(
                    f"{security}: the transaction history holds {ours.quantity} units, the platform "
                    f"reports {theirs.quantity} (difference {ours.quantity - theirs.quantity})"
                ),
            )
        )
    cost = _cost_difference(security, ours, theirs, cost_tolerance)
    if cost is not None:
        differences.append(cost)
    return differences


def _cost_difference(
    security: str, ours: PooledPosition, theirs: _Reported, cost_tolerance: Decimal | None
) -> HoldingDifference | None:
    if theirs.book_cost is None:
        return None  # the platform gives no book cost: nothing to compare against
    currency = theirs.currency or ours.currency
    theirs_text = money_text(theirs.book_cost, currency)

    def difference(message: str) -> HoldingDifference:
        return HoldingDifference(security, BOOK_COST, ours.book_cost, theirs.book_cost, f"{security}: {message}")

    if currency != ours.currency:
        return difference(
            f"the platform reports a book cost of {theirs_text} {currency}, the history is in "
            f"{ours.currency}; not compared"
        )
    if ours.book_cost is None:
        return difference(
            f"the platform reports a book cost of {theirs_text} {currency}; the history cannot work it "
            "out (a transfer-in or trade without a cost)"
        )
    tolerance = Decimal(1).scaleb(-minor_units(currency)) if cost_tolerance is None else cost_tolerance
    gap = ours.book_cost - theirs.book_cost
    if abs(gap) <= tolerance:
        return None
    return difference(
        f"book cost from the history is {money_text(ours.book_cost, currency)} {currency}, the platform "
        f"reports {theirs_text} {currency} (difference {money_text(gap, currency)})"
    )
