"""What the person holds, split every way a portfolio is read: asset class, sub-class, region,
country, currency, sector, platform and wrapper; and how concentrated it is.

From the current snapshot of each counted account (a revoked connection's are history), each
holding's value converted to GBP at the ECB fixing of its snapshot's date (figures.py), and each
account's cash as a "Cash" line. The same security in two accounts is one line with both
locations. A dimension the data does not know (no sector for an ETF a platform describes by
name only) is "Unknown", never guessed; a holding without a value in GBP (no price, no rate) is
listed apart with its reason and left out of the percentages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from integrations_core.models import ConnectionStatus
from integrations_core.person_cache import person_cached

from .models import SecurityType, Wrapper
from .prices.convert import convert
from .prices.registry import fx_source
from .selectors import _snapshot_day, account_holdings, account_summaries

BASE_CURRENCY = "GBP"
UNKNOWN = "Unknown"
DIMENSIONS = {
    "asset_class": "Asset class", "asset_subclass": "Sub-class", "region": "Region", "country": "Country",
    "currency": "Currency", "sector": "Sector", "platform": "Platform", "wrapper": "Wrapper",
}
# A security's type says its asset class only where it cannot be anything else: an ETF or a
# fund may hold equities, bonds or both, so theirs is Unknown unless the data says.
CLASS_BY_TYPE = {SecurityType.EQUITY: "Equity", SecurityType.BOND: "Fixed income", SecurityType.CASH: "Cash",
                 SecurityType.CRYPTO: "Crypto"}
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Location:
    account_id: str
    account: str
    platform: str
    wrapper: str
    quantity: Decimal | None
    value: Decimal  # GBP


@dataclass
class Line:
    """One security (or one account's cash) across every account holding it."""

    key: str
    name: str
    attributes: dict[str, str]  # dimension -> label
    value: Decimal = Decimal(0)
    locations: list[Location] = field(default_factory=list)
    percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class Slice:
    label: str
    value: Decimal
    percent: Decimal


@dataclass(frozen=True)
class Unvalued:
    name: str
    account: str
    reason: str


@dataclass
class Allocation:
    currency: str
    total: Decimal
    lines: list[Line]
    by: dict[str, list[Slice]]
    unvalued: list[Unvalued]
    fx_dates: list[date]

    @property
    def top(self) -> list[Line]:
        return self.lines[:10]

    @property
    def largest_percent(self) -> Decimal:
        return self.lines[0].percent if self.lines else Decimal(0)


def _platform(account) -> str:
    from .performance import _platform_name

    return _platform_name(account.connection.provider)


def _attributes(security, currency: str, account) -> dict[str, str]:
    asset_class = security.asset_class or CLASS_BY_TYPE.get(security.type, "")
    return {"asset_class": asset_class or UNKNOWN, "asset_subclass": security.asset_subclass or UNKNOWN,
            "region": security.region or UNKNOWN, "country": security.country or UNKNOWN,
            "currency": currency or UNKNOWN, "sector": security.sector or UNKNOWN,
            "platform": _platform(account), "wrapper": Wrapper(account.wrapper).label}


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(_CENT) if whole else Decimal(0)


def allocation_compute(user) -> Allocation:
    fx = fx_source()
    lines: dict[str, Line] = {}
    unvalued: list[Unvalued] = []
    fx_dates: set[date] = set()
    for summary in account_summaries(user):
        account = summary.account
        if account.connection.status == ConnectionStatus.REVOKED:
            continue
        snapshot = account.current_snapshot if account.current_snapshot_id else None
        on = _snapshot_day(snapshot)
        location = dict(account_id=str(account.pk), account=account.name, platform=_platform(account),
                        wrapper=Wrapper(account.wrapper).label)
        for row in account_holdings(account):
            security = row.security
            gbp = convert(row.account_value, account.currency, BASE_CURRENCY, on, fx)
            if gbp.amount is None:
                unvalued.append(Unvalued(security.name, account.name,
                                         row.fx_reason or gbp.reason or "no value reported"))
                continue
            if gbp.fixing_date:
                fx_dates.add(gbp.fixing_date)
            if row.fx_date:
                fx_dates.add(row.fx_date)
            currency = (security.quote_currency or row.price_currency or row.currency).upper()
            currency = "GBP" if currency == "GBX" else currency
            line = lines.setdefault(str(security.pk), Line(str(security.pk), security.name,
                                                           _attributes(security, currency, account)))
            line.value += gbp.amount
            line.locations.append(Location(**location, quantity=row.quantity, value=gbp.amount))
        cash = account.current_balance
        if cash:
            gbp = convert(cash, account.currency, BASE_CURRENCY, on, fx)
            if gbp.amount is None:
                unvalued.append(Unvalued("Cash", account.name, gbp.reason))
                continue
            line = lines.setdefault(f"cash:{account.currency}", Line(
                f"cash:{account.currency}", f"Cash ({account.currency})",
                {"asset_class": "Cash", "asset_subclass": "Cash", "region": UNKNOWN, "country": UNKNOWN,
                 "currency": account.currency, "sector": UNKNOWN, "platform": _platform(account),
                 "wrapper": Wrapper(account.wrapper).label}))
            line.value += gbp.amount
            line.locations.append(Location(**location, quantity=None, value=gbp.amount))
    ordered = sorted(lines.values(), key=lambda line: (-line.value, line.name))
    total = sum((line.value for line in ordered), Decimal(0))
    by: dict[str, list[Slice]] = {}
    for dimension in DIMENSIONS:
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for line in ordered:
            if dimension in ("platform", "wrapper"):  # a line may sit on two platforms
                for loc in line.locations:
                    sums[getattr(loc, dimension)] += loc.value
            else:
                sums[line.attributes[dimension]] += line.value
        by[dimension] = [Slice(label, value, _percent(value, total))
                         for label, value in sorted(sums.items(), key=lambda kv: (kv[0] == UNKNOWN, -kv[1], kv[0]))]
    for line in ordered:
        line.percent = _percent(line.value, total)
        if len({loc.platform for loc in line.locations}) > 1:
            line.attributes["platform"] = " + ".join(sorted({loc.platform for loc in line.locations}))
    return Allocation(currency=BASE_CURRENCY, total=total, lines=ordered, by=by, unvalued=unvalued,
                      fx_dates=sorted(fx_dates))


def allocation_for(user) -> Allocation:
    """The person's allocation, cached until their next sync or edit."""
    return person_cached(user.pk, "allocation", lambda: allocation_compute(user))
