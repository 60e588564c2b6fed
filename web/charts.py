"""Geometry for the server-rendered SVG charts of the returns, allocation and net-worth pages
(templates/web/returns/_*.html draw it). Pure: figures in, coordinates out, no JavaScript, so the
charts work under the Content-Security-Policy and on a phone, and print.

Coordinates are plain strings of numbers with one decimal in a fixed viewBox; the SVG scales to
its box with CSS. Money stays Decimal up to here and becomes a coordinate only in this module (a
coordinate is not money). A day with no value (a price gap) breaks the line rather than being
drawn as zero."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

WIDTH, HEIGHT = 640, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 64, 12, 12, 28
MAX_POINTS = 400  # one vertex per ~1.5 px: more would not show and only makes the page heavier
PALETTE = ["#12694f", "#1565c0", "#ad1457", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037", "#455a64",
           "#9e9d24", "#c62828"]


@dataclass(frozen=True)
class Tick:
    position: str  # the coordinate along its axis
    label: str


@dataclass(frozen=True)
class Line:
    name: str
    css: str  # the class that colours it (app.css)
    paths: list[str]  # one "M x y L x y ..." per unbroken stretch


@dataclass
class LineChart:
    width: int = WIDTH
    height: int = HEIGHT
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    plot_left: int = PAD_LEFT
    plot_right: int = WIDTH - PAD_RIGHT
    plot_top: int = PAD_TOP
    plot_bottom: int = HEIGHT - PAD_BOTTOM

    @property
    def empty(self) -> bool:
        return not any(line.paths for line in self.lines)


def _thin(days: list[date], max_points: int) -> list[int]:
    """The indexes kept: every n-th day and always the last (today's value is the one read)."""
    if len(days) <= max_points:
        return list(range(len(days)))
    step = -(-len(days) // max_points)
    kept = list(range(0, len(days), step))
    if kept[-1] != len(days) - 1:
        kept.append(len(days) - 1)
    return kept


def _nice_step(span: Decimal, count: int = 4) -> Decimal:
    raw = span / count if span > 0 else Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal("0.01")
    for factor in (1, 2, 5, 10):
        if raw <= magnitude * factor:
            return magnitude * factor
    return magnitude * 10


def _short_money(value: Decimal, symbol: str) -> str:
    sign = "−" if value < 0 else ""
    value = abs(value)
    if value >= 1_000_000:
        return f"{sign}{symbol}{value / 1_000_000:.1f}m"
    if value >= 10_000:
        return f"{sign}{symbol}{value / 1000:.0f}k"
    if value >= 1000:
        return f"{sign}{symbol}{value / 1000:.1f}k"
    return f"{sign}{symbol}{value:.0f}"


SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€"}


def line_chart(days: list[date], series: list[tuple[str, str, list[Decimal | None]]], *,
               currency: str = "GBP", max_points: int = MAX_POINTS) -> LineChart:
    """`series`: (name, css class, one value per day or None). Y from the lowest to the highest
    value (0 included, so a rise is not exaggerated), x from the first day to the last."""
    chart = LineChart()
    if not days:
        return chart
    kept = _thin(days, max_points)
    values = [v for _, _, vs in series for i in kept if (v := vs[i]) is not None]
    if not values:
        chart.lines = [Line(name, css, []) for name, css, _ in series]
        return chart
    low, high = min(min(values), Decimal(0)), max(max(values), Decimal(0))
    step = _nice_step(high - low)
    low = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    high = max((high / step).to_integral_value(rounding="ROUND_CEILING") * step, low + step)
    plot_w = chart.plot_right - chart.plot_left
    plot_h = chart.plot_bottom - chart.plot_top
    span_days = max((days[-1] - days[0]).days, 1)

    def x(i: int) -> float:
        return chart.plot_left + plot_w * (days[i] - days[0]).days / span_days

    def y(value: Decimal) -> float:
        return chart.plot_bottom - plot_h * float((value - low) / (high - low))

    for name, css, vs in series:
        paths, current = [], []
        for i in kept:
            if vs[i] is None:
                if current:
                    paths.append(" ".join(current))
                current = []
                continue
            current.append(f"{'L' if current else 'M'}{x(i):.1f} {y(vs[i]):.1f}")
        if current:
            paths.append(" ".join(current))
        chart.lines.append(Line(name, css, paths))
    symbol = SYMBOLS.get(currency, "")
    tick = low
    while tick <= high:
        chart.y_ticks.append(Tick(f"{y(tick):.1f}", _short_money(tick, symbol)))
        tick += step
    picks = sorted({0, len(days) // 3, 2 * len(days) // 3, len(days) - 1}) if len(days) > 3 else range(len(days))
    fmt = "%b %Y" if span_days > 120 else "%-d %b"
    chart.x_ticks = [Tick(f"{x(i):.1f}", days[i].strftime(fmt)) for i in picks]
    return chart


@dataclass(frozen=True)
class DonutSlice:
    label: str
    percent: Decimal
    colour: str
    dash: str  # stroke-dasharray on a circle of circumference 100
    offset: str  # stroke-dashoffset


def donut(slices: list[tuple[str, Decimal]]) -> list[DonutSlice]:
    """Slices of a ring drawn as dashed circles (r = 15.9155, so the circumference is 100 and a
    percentage is a dash length). Starts at 12 o'clock, clockwise. Negative parts (an overdrawn
    cash line) cannot be a slice and are left out."""
    out, done = [], Decimal(0)
    for n, (label, percent) in enumerate(slices):
        if percent <= 0:
            continue
        out.append(DonutSlice(label, percent, PALETTE[n % len(PALETTE)], f"{percent} {100 - percent}",
                              f"{25 - done}"))
        done += percent
    return out


def bar_width(percent: Decimal) -> str:
    """A bar's length in a 0..100 viewBox (negative parts draw as nothing)."""
    return f"{max(min(percent, Decimal(100)), Decimal(0))}"
