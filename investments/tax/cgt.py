"""UK share identification for Capital Gains Tax (individuals, disposals from 6 April 2008).

A disposal of shares or units is identified, in this order (TCGA 1992 s106A(9); HMRC CG51555,
CG51560):
1. **same day** with acquisitions of the same security on the same day (s105(1)(b)). Every
   acquisition on one day counts as one acquisition, every disposal on one day as one disposal
   (s105(1)(a)), so the report shows one disposal per security and day;
2. **30 days** with acquisitions in the 30 days *after* the disposal, earliest first
   (s106A(5): the "bed and breakfasting" rule). Day 30 is inside, day 31 is not (CG51560
   Examples 1 and 3). Same-day matching is done for every day before any 30-day matching, so an
   acquisition is taken first by a disposal on its own day;
3. **the Section 104 pool**: every other share, at the pool's average allowable cost
   (s104; CG51575). A disposal from the pool takes `pool cost x sold / pool quantity`, the
   apportionment by number of shares that CG51575 says HMRC accepts.

The allowable cost of an acquisition is what was paid including the incidental costs of buying
(commission, stamp duty or SDRT, levies: TCGA 1992 s38(1)(a), (c)); the proceeds of a disposal
are net of the incidental costs of selling (s38(1)(c)). Both come in as sterling (`sources.py`).

A split or consolidation is not a disposal (TCGA 1992 s126-s128: the new holding is the old
one): the pool's cost is unchanged and its quantity changes. Quantities are restated in the
latest units (every earlier trade times the ratios of the later splits), so a 30-day match
across a split compares like with like; each figure is shown again in the units of its own day.

Matching is per person and per security: the caller passes every taxable trade of the person,
from every account and platform, keyed by the security (HMRC pools "shares of the same class in
the same company held by the same person in the same capacity", s104(1)), never by account.

A disposal of more than is held is refused with a reason (`CgtProblem`), never a negative pool:
the security's figures are left out and the report says it is incomplete. The check is on the
running holding (acquisitions in before disposals out on each day); because same-day and 30-day
matches only ever move shares *out* of the pool's reach that were never in the holding's count,
the pool can never hold less than the holding, so it never goes below zero either.

Arithmetic is exact Decimal in a 60-digit context; nothing is rounded here. Rounding belongs to
what is reported (`reports.py`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

ZERO = Decimal(0)
ONE = Decimal(1)
WINDOW_DAYS = 30
_CONTEXT = Context(prec=60, rounding=ROUND_HALF_EVEN)

ACQUISITION = "acquisition"
DISPOSAL = "disposal"
SPLIT = "split"
TRANSFER_OUT = "transfer_out"  # own shares moved out (not a disposal): leaves the pool at average cost
KINDS = (ACQUISITION, DISPOSAL, SPLIT, TRANSFER_OUT)

SAME_DAY = "same day"
THIRTY_DAYS = "30 days"
SECTION_104 = "section 104"


@dataclass(frozen=True)
class CgtTrade:
    """One trade, already in sterling. `amount`: the allowable cost of an acquisition (fees and
    stamp duty included) or the net proceeds of a disposal; 0 for a split or a transfer out.
    `quantity`: units (positive); for a split the signed change in units (+300 for 4-for-1 of
    100). `costs`: the incidental costs inside `amount`, shown in the computation."""

    security: str
    kind: str
    day: date
    quantity: Decimal
    amount: Decimal = ZERO
    costs: Decimal = ZERO
    reference: str = ""
    account: str = ""
    label: str = ""  # the security's name for people
    note: str = ""  # how the sterling figure was found (rate and date)


@dataclass(frozen=True)
class MatchLine:
    """One part of a disposal's cost: `quantity` units (in the disposal's units) matched under
    `rule`, at `cost` (exact sterling). For a pool line the pool before the disposal is given."""

    rule: str
    quantity: Decimal
    cost: Decimal
    acquired_on: date | None = None
    references: tuple[str, ...] = ()
    pool_quantity: Decimal | None = None
    pool_cost: Decimal | None = None


@dataclass(frozen=True)
class Disposal:
    security: str
    label: str
    day: date
    quantity: Decimal  # as sold that day (its own units)
    proceeds: Decimal  # net of the costs of selling
    costs: Decimal  # the incidental costs of selling
    references: tuple[str, ...]
    accounts: tuple[str, ...]
    matches: tuple[MatchLine, ...]
    notes: tuple[str, ...] = ()

    @property
    def gross_proceeds(self) -> Decimal:
        return self.proceeds + self.costs

    @property
    def allowable_cost(self) -> Decimal:
        return sum((line.cost for line in self.matches), ZERO)

    @property
    def gain(self) -> Decimal:
        """Positive a gain, negative a loss (exact)."""
        return self.proceeds - self.allowable_cost


@dataclass(frozen=True)
class PoolLine:
    """The Section 104 pool of one security after one event, in the units of that day."""

    security: str
    day: date
    event: str
    quantity_change: Decimal
    cost_change: Decimal
    quantity: Decimal
    cost: Decimal
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class CgtProblem:
    security: str
    label: str
    day: date | None
    message: str
    fatal: bool = True  # the security's disposals are left out


@dataclass
class CgtResult:
    disposals: list[Disposal] = field(default_factory=list)
    pools: dict[str, list[PoolLine]] = field(default_factory=dict)
    problems: list[CgtProblem] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not any(problem.fatal for problem in self.problems)


class _Day:
    """Everything of one kind on one day for one security (s105(1)(a): one transaction)."""

    __slots__ = ("day", "quantity", "amount", "costs", "references", "accounts", "remaining", "amount_left", "notes")

    def __init__(self, day: date) -> None:
        self.day = day
        self.quantity = ZERO
        self.amount = ZERO
        self.costs = ZERO
        self.references: list[str] = []
        self.accounts: list[str] = []
        self.notes: list[str] = []
        self.remaining = ZERO
        self.amount_left = ZERO

    def add(self, trade: CgtTrade, quantity: Decimal) -> None:
        self.quantity += quantity
        self.amount += trade.amount
        self.costs += trade.costs
        if trade.reference:
            self.references.append(trade.reference)
        if trade.account and trade.account not in self.accounts:
            self.accounts.append(trade.account)
        if trade.note:
            self.notes.append(trade.note)

    def take(self, quantity: Decimal) -> Decimal:
        """Remove `quantity` units from what is left and return their share of the amount: the
        whole of what is left when it is the last of it, so the parts add up exactly."""
        if quantity >= self.remaining:
            share = self.amount_left
        else:
            share = self.amount * quantity / self.quantity
        self.remaining -= quantity
        self.amount_left -= share
        return share


def match_disposals(trades: Iterable[CgtTrade]) -> CgtResult:
    """Identify every disposal in `trades` (any order) and return them by day and security."""
    by_security: dict[str, list[CgtTrade]] = defaultdict(list)
    for trade in trades:
        if trade.kind not in KINDS:
            raise ValueError(f"unknown trade kind {trade.kind!r}")
        by_security[trade.security].append(trade)
    result = CgtResult()
    with localcontext(_CONTEXT):
        for security in sorted(by_security):
            _match_security(security, by_security[security], result)
    result.disposals.sort(key=lambda d: (d.day, d.label, d.security))
    return result


_RANK = {SPLIT: 0, ACQUISITION: 1, DISPOSAL: 2, TRANSFER_OUT: 3}


def _match_security(security: str, trades: list[CgtTrade], result: CgtResult) -> None:
    label = next((t.label for t in trades if t.label), security)
    ordered = sorted(trades, key=lambda t: (t.day, _RANK[t.kind], t.reference, t.quantity, t.amount))
    ratios, problem = _split_ratios(security, label, ordered, result)
    if problem:
        return
    split_days = sorted(ratios)

    def factor(day: date) -> Decimal:
        """Units of `day` -> the latest units (splits on later days; a split applies from the
        start of its own day)."""
        value = ONE
        for split_day in split_days[bisect_right(split_days, day):]:
            value *= ratios[split_day]
        return value

    acquisitions: dict[date, _Day] = {}
    disposals: dict[date, _Day] = {}
    transfers: dict[date, _Day] = {}
    for trade in ordered:
        if trade.kind == SPLIT:
            continue
        book = {ACQUISITION: acquisitions, DISPOSAL: disposals, TRANSFER_OUT: transfers}[trade.kind]
        entry = book.setdefault(trade.day, _Day(trade.day))
        entry.add(trade, trade.quantity * factor(trade.day))
    for entry in (*acquisitions.values(), *disposals.values(), *transfers.values()):
        entry.remaining = entry.quantity
        entry.amount_left = entry.amount
        entry.references.sort()

    matches: dict[date, list[MatchLine]] = defaultdict(list)
    # 1. same day, every day first
    for day, sold in disposals.items():
        bought = acquisitions.get(day)
        if bought is not None and bought.remaining and sold.remaining:
            quantity = min(bought.remaining, sold.remaining)
            cost = bought.take(quantity)
            sold.remaining -= quantity
            matches[day].append(MatchLine(SAME_DAY, quantity / factor(day), cost, day, tuple(bought.references)))
    # 2. the following 30 days, earlier disposals first, earliest acquisitions first
    acquisition_days = sorted(acquisitions)
    for day in sorted(disposals):
        sold = disposals[day]
        if not sold.remaining:
            continue
        last = day + timedelta(days=WINDOW_DAYS)
        for acquired_on in acquisition_days[bisect_right(acquisition_days, day):]:
            if acquired_on > last or not sold.remaining:
                break
            bought = acquisitions[acquired_on]
            if not bought.remaining:
                continue
            quantity = min(bought.remaining, sold.remaining)
            cost = bought.take(quantity)
            sold.remaining -= quantity
            matches[day].append(MatchLine(THIRTY_DAYS, quantity / factor(day), cost, acquired_on,
                                          tuple(bought.references)))
    # 3. the pool, in date order
    pool_quantity = pool_cost = ZERO
    history: list[PoolLine] = []
    out: list[Disposal] = []
    for day in sorted(set(acquisitions) | set(disposals) | set(transfers) | set(ratios)):
        unit = factor(day)
        if day in ratios and pool_quantity:
            history.append(PoolLine(security, day, f"split or consolidation x{_plain(ratios[day])}",
                                    pool_quantity / unit - pool_quantity / (unit * ratios[day]), ZERO,
                                    pool_quantity / unit, pool_cost))
        bought = acquisitions.get(day)
        if bought is not None and bought.remaining:
            into, cost = bought.remaining, bought.amount_left
            bought.take(into)
            pool_quantity += into
            pool_cost += cost
            history.append(PoolLine(security, day, "acquisition", into / unit, cost, pool_quantity / unit, pool_cost,
                                    tuple(bought.references)))
        sold = disposals.get(day)
        if sold is not None:
            if sold.remaining:
                taken = sold.remaining
                if taken > pool_quantity:  # cannot happen after the holding check; refuse, never go negative
                    result.problems.append(CgtProblem(security, label, day, (
                        f"{_plain(taken / unit)} units are matched with a pool of {_plain(pool_quantity / unit)}")))
                    return
                cost = pool_cost if taken == pool_quantity else pool_cost * taken / pool_quantity
                matches[day].append(MatchLine(SECTION_104, taken / unit, cost, None, (), pool_quantity / unit,
                                              pool_cost))
                pool_quantity -= taken
                pool_cost -= cost
                sold.remaining = ZERO
                history.append(PoolLine(security, day, "disposal", -taken / unit, -cost, pool_quantity / unit,
                                        pool_cost, tuple(sold.references)))
            out.append(Disposal(security, label, day, sold.quantity / unit, sold.amount, sold.costs,
                                tuple(sold.references), tuple(sold.accounts), tuple(matches[day]),
                                tuple(dict.fromkeys(sold.notes))))
        moved = transfers.get(day)
        if moved is not None and moved.quantity:
            taken = min(moved.quantity, pool_quantity)
            cost = pool_cost if taken == pool_quantity else pool_cost * taken / pool_quantity
            pool_quantity -= taken
            pool_cost -= cost
            history.append(PoolLine(security, day, "transferred out (not a disposal)", -taken / unit, -cost,
                                    pool_quantity / unit, pool_cost, tuple(moved.references)))
    result.pools[security] = history
    result.disposals.extend(out)


def _split_ratios(security: str, label: str, ordered: list[CgtTrade],
                  result: CgtResult) -> tuple[dict[date, Decimal], bool]:
    """Walk the holding in date order: each day's splits (netted: a "close old / open new" pair
    is one change) become a ratio of the holding; a disposal or transfer of more than is held
    is a problem that stops this security. Returns (ratios by day, stopped)."""
    held = ZERO
    ratios: dict[date, Decimal] = {}
    changes: dict[date, Decimal] = defaultdict(Decimal)
    for trade in ordered:
        if trade.kind == SPLIT:
            changes[trade.day] += trade.quantity
    done: set[date] = set()
    for trade in ordered:
        if trade.day in changes and trade.day not in done:
            done.add(trade.day)
            change = changes[trade.day]
            if change and held > 0 and held + change > 0:
                ratios[trade.day] = (held + change) / held
                held += change
            elif change:
                result.problems.append(CgtProblem(security, label, trade.day, (
                    f"a split or consolidation changes the holding by {_plain(change)} units while "
                    f"{_plain(held)} are held: ignored"), fatal=False))
        if trade.kind == ACQUISITION:
            held += trade.quantity
        elif trade.kind in (DISPOSAL, TRANSFER_OUT):
            if trade.quantity > held:
                what = "disposed of" if trade.kind == DISPOSAL else "transferred out"
                result.problems.append(CgtProblem(security, label, trade.day, (
                    f"{_plain(trade.quantity)} units {what} on {trade.day.isoformat()} but only {_plain(held)} "
                    "were held in your taxable accounts: part of the history is missing (an earlier buy or a "
                    "transfer in that was not synced, or shares held in an ISA). Nothing is computed for this "
                    "security until the history is complete.")))
                return ratios, True
            held -= trade.quantity
    return ratios, False


def _plain(value: Decimal) -> str:
    """A quantity for people: 100, 2.5, 0.3333 (never 1E+2)."""
    return format(value.normalize(), "f") if value == value.quantize(Decimal("1e-10")) else format(
        value.quantize(Decimal("1e-10")).normalize(), "f")
