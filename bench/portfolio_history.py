"""A deterministic 10-year trade history for the portfolio import benchmark, written as the
generic activities CSV (investments/providers/activities/, docs/statement-formats.md).

~40 securities: UK ETFs priced in pence (GBX) and US stocks bought in USD with an FX rate and
a conversion fee; buys and sells (never more than is held), quarterly dividends on what is held,
monthly deposits and platform fees, and four stock splits. The generator keeps its own ledger
of units held, so the benchmark can check the rebuilt holdings against it exactly."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")
UNITS = Decimal("0.0001")
FX_FEE = Decimal("0.0015")
START = date(2016, 1, 4)
DAYS = 3652  # ten years
HEADER = ["date", "action", "isin", "ticker", "name", "quantity", "price", "currency", "amount", "fees",
          "fx_rate", "id", "comment"]
UK_ETFS = ["VUSA", "VWRL", "ISF", "VMID", "CSP1", "SWDA", "EQQQ", "IGLT", "VFEM", "HMWO", "INRG", "SGLN",
           "VAGP", "XDWD", "IUKD"]
US_STOCKS = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "BRKB", "JPM", "V", "JNJ", "PG", "KO",
             "PEP", "XOM", "CVX", "WMT", "DIS", "NFLX", "ADBE", "CRM", "INTC", "AMD", "ORCL", "CSCO"]
# (ticker, date, ratio): the split adds held x (ratio - 1) units and divides the price by ratio.
SPLITS = [("AAPL", date(2020, 8, 31), 4), ("TSLA", date(2020, 8, 31), 5), ("NVDA", date(2021, 7, 20), 4),
          ("NVDA", date(2024, 6, 10), 10)]


def isin(prefix: str, number: int) -> str:
    """A well-formed ISIN: the prefix, the number padded to 11 characters, the Luhn check digit
    (letters read as numbers)."""
    base = prefix + str(number).zfill(11 - len(prefix))
    digits = "".join(str(int(c, 36)) for c in base)
    total = 0
    for position, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if position % 2 == 0 else 1)
        total += d // 10 + d % 10
    return f"{base}{(10 - total % 10) % 10}"


@dataclass(frozen=True)
class Sec:
    ticker: str
    isin: str
    currency: str  # GBX or USD
    base_price: Decimal  # in `currency` on START
    growth: int  # per-mille price change per year


@dataclass
class History:
    csv: str
    rows: int
    trades: int
    securities: int
    held: dict[str, Decimal] = field(default_factory=dict)  # ISIN -> units held at the end
    counts: dict[str, int] = field(default_factory=dict)  # action -> rows


def _securities(rng: random.Random) -> list[Sec]:
    out = [Sec(t, isin("IE00B", 100_000 + n * 37), "GBX", Decimal(rng.randint(2_000, 9_000)),
               rng.randint(20, 120)) for n, t in enumerate(UK_ETFS)]
    out += [Sec(t, isin("US", 100_000_000 + n * 7919), "USD", Decimal(rng.randint(3_000, 40_000)) / 100,
                rng.randint(-20, 250)) for n, t in enumerate(US_STOCKS)]
    return out


def _fx(day: date) -> Decimal:
    """GBP per USD, a slow deterministic wave between ~0.70 and ~0.86."""
    step = (day - START).days % 1460
    wave = step if step < 730 else 1460 - step
    return (Decimal("0.70") + Decimal(wave) * Decimal("0.00022")).quantize(UNITS)


def generate(trades: int = 5_000, seed: int = 212) -> History:
    rng = random.Random(seed)
    securities = _securities(rng)
    held = {s.ticker: Decimal(0) for s in securities}
    divisor = {s.ticker: 1 for s in securities}
    splits = sorted(SPLITS, key=lambda s: s[1])
    rows: list[list[str]] = []
    counts: dict[str, int] = {}

    def emit(day: date, action: str, sec: Sec | None = None, **values) -> None:
        counts[action] = counts.get(action, 0) + 1
        row = {"date": day.isoformat(), "action": action, "id": f"H{len(rows) + 1:06d}"}
        if sec is not None:
            row.update(isin=sec.isin, ticker=sec.ticker, name=f"{sec.ticker} {'ETF' if sec.currency == 'GBX' else 'Inc'}")
        row.update({k: str(v) for k, v in values.items()})
        rows.append([row.get(h, "") for h in HEADER])

    def price(sec: Sec, day: date) -> Decimal:
        years = Decimal((day - START).days) / 365
        p = sec.base_price * (1 + Decimal(sec.growth) / 1000 * years) / divisor[sec.ticker]
        return max(p, Decimal(1)).quantize(CENT)

    def gross(sec: Sec, units: Decimal, unit_price: Decimal, day: date) -> tuple[Decimal, Decimal, Decimal]:
        """(value in GBP, fees, fx rate used)."""
        if sec.currency == "GBX":
            return (units * unit_price / 100).quantize(CENT, ROUND_HALF_EVEN), Decimal(0), Decimal(1)
        rate = _fx(day)
        value = (units * unit_price * rate).quantize(CENT, ROUND_HALF_EVEN)
        return value, max(CENT, (value * FX_FEE).quantize(CENT, ROUND_HALF_EVEN)), rate

    emit(START, "deposit", amount=Decimal("10000.00"), comment="Opening deposit")
    trade_day = [START + timedelta(days=k * DAYS // trades) for k in range(trades)]
    month = (START.year, START.month)
    made = 0
    for day in trade_day:
        while splits and splits[0][1] <= day:
            ticker, when, ratio = splits.pop(0)
            sec = next(s for s in securities if s.ticker == ticker)
            if held[ticker]:
                added = held[ticker] * (ratio - 1)
                emit(when, "split", sec, quantity=added, comment=f"{ratio}-for-1 split")
                held[ticker] += added
            divisor[ticker] *= ratio
        if (day.year, day.month) != month:  # month end: deposit, fee, the quarter's dividends
            month = (day.year, day.month)
            first = day.replace(day=1)
            emit(first, "deposit", amount=Decimal("500.00"), comment="Monthly deposit")
            emit(first, "fee", amount=Decimal("1.50"), comment="Platform fee")
            if day.month in (1, 4, 7, 10):
                for sec in securities:
                    if held[sec.ticker] and rng.random() < 0.7:
                        per_unit = price(sec, first) * Decimal("0.006")
                        value, _fees, rate = gross(sec, held[sec.ticker], per_unit, first)
                        if value > 0:
                            extra = {"fx_rate": rate} if sec.currency == "USD" else {}
                            emit(first + timedelta(days=14), "dividend", sec, amount=value, currency=sec.currency,
                                 **extra)
        owned = [s for s in securities if held[s.ticker] > 0]
        if owned and rng.random() < 0.22:
            sec = rng.choice(owned)
            units = (held[sec.ticker] * Decimal(rng.randint(10, 100)) / 100).quantize(UNITS)
            action = "sell"
        else:
            sec = rng.choice(securities)
            units = Decimal(rng.randint(1, 60)) if sec.currency == "GBX" else Decimal(rng.randint(1, 4000)) / 100
            action = "buy"
        if units <= 0:
            continue
        unit_price = price(sec, day)
        value, fees, rate = gross(sec, units, unit_price, day)
        amount = value + fees if action == "buy" else value - fees
        extra = {"fx_rate": rate} if sec.currency == "USD" else {}
        emit(day, action, sec, quantity=units, price=unit_price, currency=sec.currency, amount=amount, fees=fees,
             **extra)
        held[sec.ticker] += units if action == "buy" else -units
        made += 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    by_isin = {s.ticker: s.isin for s in securities}
    return History(csv=out.getvalue(), rows=len(rows), trades=made, securities=len(securities),
                   held={by_isin[t]: q for t, q in held.items()}, counts=counts)
