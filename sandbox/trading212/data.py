"""The mock Trading 212 account's history, deterministic and relative to the sandbox's today:
two years of weekly VUSA (a GBX-priced London ETF) buys, US stocks bought with FX, a 10-for-1
split, a partly filled order, an order filled in two fills, a sale, dividends (US ones with 15%
withholding), deposits, a fee, interest and a withdrawal. Positions and cash are *computed*
from that history, so what the API reports always equals what its history implies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from integrations_core.money import quote_to_major, to_minor

ACCOUNT_CURRENCY = "GBP"
D = Decimal


@dataclass(frozen=True)
class Instrument:
    ticker: str
    name: str
    short_name: str
    isin: str
    type: str
    currency: str
    price_now: Decimal  # in `currency`


INSTRUMENTS = (
    Instrument("VUSAl_EQ", "Vanguard S&P 500 UCITS ETF (Dist)", "VUSA", "IE00B3XXRP09", "ETF", "GBX", D("8912.25")),
    Instrument("AAPL_US_EQ", "Apple", "AAPL", "US0378331005", "STOCK", "USD", D("228.52")),
    Instrument("NVDA_US_EQ", "NVIDIA", "NVDA", "US67066G1040", "STOCK", "USD", D("131.38")),
    Instrument("TSLA_US_EQ", "Tesla", "TSLA", "US88160R1014", "STOCK", "USD", D("248.50")),  # never traded
)
BY_TICKER = {i.ticker: i for i in INSTRUMENTS}
FX_NOW = {"USD": D("0.7841"), "GBX": D("1"), "GBP": D("1")}  # account currency per unit (GBX via /100)
FX_FEE = D("0.0015")  # Trading 212's currency conversion fee


@dataclass(frozen=True)
class Fill:
    order_id: int
    fill_id: int
    ticker: str
    side: str  # BUY | SELL
    quantity: Decimal  # units in this fill (split: units added)
    price: Decimal  # in the instrument's currency
    at: datetime
    fx_rate: Decimal = D("1")
    order_quantity: Decimal | None = None  # the order's size when it differs from the fill
    status: str = "FILLED"
    kind: str = "TRADE"  # TRADE | STOCK_SPLIT

    @property
    def gross(self) -> Decimal:
        """The fill's value in the account currency (what the price times quantity cost)."""
        if self.kind != "TRADE":
            return D(0)
        major, _ = quote_to_major(self.price * self.quantity, BY_TICKER[self.ticker].currency)
        return to_minor(major * self.fx_rate, ACCOUNT_CURRENCY)

    @property
    def charges(self) -> list[tuple[str, Decimal]]:
        if self.kind != "TRADE" or BY_TICKER[self.ticker].currency in ("GBP", "GBX"):
            return []  # ETFs pay no stamp duty; no FX, no conversion fee
        return [("CURRENCY_CONVERSION_FEE", to_minor(self.gross * FX_FEE, ACCOUNT_CURRENCY))]

    @property
    def net(self) -> Decimal:
        """The cash the fill moved, unsigned: cost plus charges on a buy, proceeds less them on a sale."""
        fees = sum((amount for _, amount in self.charges), D(0))
        return self.gross + fees if self.side == "BUY" else self.gross - fees


@dataclass(frozen=True)
class Order:
    """An order that never filled (cancelled): shows in the history without a fill."""

    order_id: int
    ticker: str
    side: str
    quantity: Decimal
    limit_price: Decimal
    at: datetime
    status: str = "CANCELLED"


@dataclass(frozen=True)
class Dividend:
    reference: str
    ticker: str
    quantity: Decimal
    gross_per_share: Decimal  # in the instrument's currency
    amount: Decimal  # paid, net of withholding, in the account currency
    paid_on: datetime


@dataclass(frozen=True)
class CashMove:
    reference: str
    type: str  # DEPOSIT | WITHDRAW | FEE | INTEREST_ON_FREE_CASH
    amount: Decimal  # signed: money out negative
    at: datetime


@dataclass
class Position:
    ticker: str
    quantity: Decimal = D(0)
    cost: Decimal = D(0)  # in the instrument's currency
    book_cost: Decimal = D(0)  # in the account currency, charges included
    first_fill: datetime | None = None


@dataclass
class Book:
    today: date
    fills: list[Fill] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    dividends: list[Dividend] = field(default_factory=list)
    cash_moves: list[CashMove] = field(default_factory=list)

    def positions(self, until: datetime | None = None) -> dict[str, Position]:
        """Pooled positions from the fills (up to `until`): a sale removes cost pro rata."""
        held: dict[str, Position] = {}
        for fill in sorted(self.fills, key=lambda f: f.at):
            if until is not None and fill.at > until:
                break
            pos = held.setdefault(fill.ticker, Position(fill.ticker, first_fill=fill.at))
            if fill.kind == "STOCK_SPLIT":
                pos.quantity += fill.quantity
            elif fill.side == "BUY":
                pos.quantity += fill.quantity
                pos.cost += fill.price * fill.quantity
                pos.book_cost += fill.net
            else:
                share = fill.quantity / pos.quantity
                pos.cost -= pos.cost * share
                pos.book_cost = to_minor(pos.book_cost - pos.book_cost * share, ACCOUNT_CURRENCY)
                pos.quantity -= fill.quantity
        return {t: p for t, p in held.items() if p.quantity}

    def cash(self) -> Decimal:
        total = sum((m.amount for m in self.cash_moves), D(0))
        total += sum((d.amount for d in self.dividends), D(0))
        for fill in self.fills:
            total += fill.net if fill.side == "SELL" else -fill.net
        return total


def _at(today: date, days_ago: int, minute: int = 0) -> datetime:
    """A weekday-ish time in the past; `minute` keeps every timestamp distinct (cursors)."""
    return datetime.combine(today - timedelta(days=days_ago), time(14, 30), tzinfo=UTC) + timedelta(minutes=minute)


@lru_cache(maxsize=16)
def build_book(today: date) -> Book:
    book = Book(today=today)
    ids = iter(range(1, 10_000))
    book.cash_moves.append(CashMove("dep-0001", "DEPOSIT", D("20000.00"), _at(today, 735)))
    # Two years of weekly half-share VUSA buys (104 fills: three pages at limit 50).
    for week in range(104):
        price = D(6000) + D((week * 37) % 900) + D("0.25") * (week % 4)
        order = next(ids)
        book.fills.append(Fill(order, 10_000 + order, "VUSAl_EQ", "BUY", D("0.5"), price,
                               _at(today, 722 - 7 * week, 1)))  # 722 days ago .. yesterday
    order = next(ids)
    book.fills.append(Fill(order, 10_000 + order, "AAPL_US_EQ", "BUY", D("5"), D("172.35"), _at(today, 650, 2),
                           fx_rate=D("0.7912")))
    order = next(ids)
    book.fills.append(Fill(order, 10_000 + order, "NVDA_US_EQ", "BUY", D("3"), D("450.00"), _at(today, 600, 2),
                           fx_rate=D("0.8003")))
    order = next(ids)  # a 10-for-1 split: 3 shares become 30
    book.fills.append(Fill(order, 10_000 + order, "NVDA_US_EQ", "BUY", D("27"), D("0"), _at(today, 500, 2),
                           kind="STOCK_SPLIT"))
    order = next(ids)  # an order for 10 that filled 6 and was then cancelled
    book.fills.append(Fill(order, 10_000 + order, "AAPL_US_EQ", "BUY", D("6"), D("180.10"), _at(today, 450, 2),
                           fx_rate=D("0.7850"), order_quantity=D("10"), status="CANCELLED"))
    order = next(ids)  # an order for 15 filled in two fills
    book.fills.append(Fill(order, 20_000 + order, "VUSAl_EQ", "BUY", D("10"), D("6400.00"), _at(today, 400, 2),
                           order_quantity=D("15")))
    book.fills.append(Fill(order, 20_001 + order, "VUSAl_EQ", "BUY", D("5"), D("6401.50"), _at(today, 400, 3),
                           order_quantity=D("15")))
    book.orders.append(Order(next(ids), "AAPL_US_EQ", "BUY", D("4"), D("150.00"), _at(today, 350, 2)))
    order = next(ids)
    book.fills.append(Fill(order, 10_000 + order, "NVDA_US_EQ", "SELL", D("10"), D("120.00"), _at(today, 300, 2),
                           fx_rate=D("0.7803")))
    book.cash_moves += [
        CashMove("dep-0002", "DEPOSIT", D("5000.00"), _at(today, 360, 5)),
        CashMove("fee-0001", "FEE", D("-2.50"), _at(today, 200, 5)),
        CashMove("int-0001", "INTEREST_ON_FREE_CASH", D("3.21"), _at(today, 15, 5)),
        CashMove("wd-0001", "WITHDRAW", D("-250.00"), _at(today, 30, 5)),
    ]
    # Dividends on what was held that day: AAPL (US, 15% withheld) and VUSA (none).
    for n, days_ago in enumerate((400, 310, 220, 130, 40)):
        _dividend(book, f"div-aapl-{n}", "AAPL_US_EQ", D("0.25"), _at(today, days_ago, 7), D("0.15"), D("0.7900"))
    for n, days_ago in enumerate((380, 290, 200, 110, 20)):
        _dividend(book, f"div-vusa-{n}", "VUSAl_EQ", D("18.5"), _at(today, days_ago, 7), D(0), D(1))
    return book


def _dividend(book: Book, reference: str, ticker: str, per_share: Decimal, at: datetime, withholding: Decimal,
              fx: Decimal) -> None:
    held = book.positions(until=at).get(ticker)
    if held is None:
        return
    gross, _ = quote_to_major(per_share * held.quantity, BY_TICKER[ticker].currency)
    amount = to_minor(gross * (1 - withholding) * fx, ACCOUNT_CURRENCY)
    book.dividends.append(Dividend(reference, ticker, held.quantity, per_share, amount, at))
