"""The platform's own prices, value_in, and the settings registry."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from integrations_core.records import HoldingRecord, HoldingSnapshotRecord
from investments.prices import FxSource, PriceSource, registry, value_in
from investments.prices.ecb import EcbFxSource
from investments.prices.platform import PlatformPriceSource

D = Decimal


class FixedFx:
    def __init__(self, rates):
        self.rates = rates

    def rate(self, base, quote, on):
        return self.rates.get((base, quote))


def snapshot(day, *holdings):
    return HoldingSnapshotRecord(as_of=datetime(day.year, day.month, day.day, 22, tzinfo=UTC), holdings=list(holdings))


def holding(security, price, currency="GBX", price_as_of=None):
    return HoldingRecord(security_external_id=security, quantity=D(10), price=None if price is None else D(price),
                         price_currency=currency, price_as_of=price_as_of)


def test_platform_source_uses_the_latest_reported_price_not_after_the_day():
    source = PlatformPriceSource.from_snapshots([
        snapshot(date(2024, 6, 3), holding("VWRL", "9012.5")),
        snapshot(date(2024, 6, 5), holding("VWRL", "9100")),
        snapshot(date(2024, 6, 7), holding("VWRL", "9200")),
    ])
    quote = source.price("VWRL", date(2024, 6, 6))
    assert (quote.price, quote.currency, quote.source) == (D("9100"), "GBX", "platform")
    assert quote.as_of == datetime(2024, 6, 5, 22, tzinfo=UTC)
    assert quote.in_major() == (D("91.00"), "GBP")
    assert source.price("VWRL", date(2024, 6, 2)) is None  # nothing reported yet
    assert source.price("AAPL", date(2024, 6, 6)) is None


def test_platform_source_skips_holdings_without_a_price_and_keeps_their_own_dates():
    source = PlatformPriceSource.from_snapshots([
        snapshot(date(2024, 6, 3), holding("X", "101.25", "USD", price_as_of=datetime(2024, 6, 1, 20, tzinfo=UTC))),
        snapshot(date(2024, 6, 4), holding("X", None, "USD")),
    ])
    quote = source.price("X", date(2024, 6, 5))
    assert (quote.price, quote.as_of.date()) == (D("101.25"), date(2024, 6, 1))


@pytest.mark.django_db
def test_platform_source_with_no_lookup_reads_the_price_history_which_is_empty():
    assert PlatformPriceSource().price("X", date(2024, 1, 1)) is None


def test_value_in_gbx_to_gbp_is_exact():
    assert value_in(D("12345"), "GBX", "GBP", date(2024, 1, 1), FixedFx({})) == D("123.45")
    assert value_in(D("100.5"), "GBX", "GBP", date(2024, 1, 1), FixedFx({})) == D("1.00")  # 1.005, half even


def test_value_in_converts_with_the_rate_and_rounds_once():
    fx = FixedFx({("USD", "GBP"): D("0.785")})
    assert value_in(D("100.01"), "USD", "GBP", date(2024, 1, 1), fx) == D("78.51")  # 78.50785
    assert value_in(D("1000"), "GBX", "USD", date(2024, 1, 1), FixedFx({("GBP", "USD"): D("1.2643")})) == D("12.64")
    assert value_in(D("1"), "USD", "JPY", date(2024, 1, 1), FixedFx({("USD", "JPY"): D("151.5")})) == D("152")


def test_value_in_without_a_rate_is_none():
    assert value_in(D("1"), "USD", "GBP", date(2024, 1, 1), FixedFx({})) is None


def test_registry_defaults_are_offline_sources(settings):
    for name in ("PRICE_SOURCES", "FX_SOURCE"):
        if hasattr(settings, name):
            delattr(settings, name)
    registry._fx_source.cache_clear()
    [source] = registry.price_sources()
    assert isinstance(source, PlatformPriceSource) and isinstance(source, PriceSource)
    fx = registry.fx_source()
    assert isinstance(fx, EcbFxSource) and isinstance(fx, FxSource)
    assert registry.fx_source() is fx


class StubPrices:
    def __init__(self, **context):
        self.context = context

    def price(self, security, on):
        from investments.prices.base import Quote

        return Quote(security, D("1.5"), "GBP", on, "stub") if security == "STUB" else None


class StubFx:
    def rate(self, base, quote, on):
        return D(2)


def test_registry_reads_the_settings_in_order(settings):
    settings.PRICE_SOURCES = [
        "investments.prices.platform.PlatformPriceSource",
        "tests.investments.prices.test_sources.StubPrices",
    ]
    settings.FX_SOURCE = "tests.investments.prices.test_sources.StubFx"
    lookup = {"VWRL": [holding("VWRL", "9000", price_as_of=datetime(2024, 1, 1, tzinfo=UTC))]}
    chained = registry.price_source(lookup=lambda security, on: lookup.get(security, ()))
    assert chained.price("VWRL", date(2024, 1, 2)).source == "platform"
    assert chained.price("STUB", date(2024, 1, 2)).source == "stub"
    assert chained.price("NONE", date(2024, 1, 2)) is None
    assert registry.fx_rate("USD", "GBP", date(2024, 1, 2)) == D(2)


def test_registry_rejects_an_entry_that_is_not_a_source(settings):
    settings.PRICE_SOURCES = ["decimal.Decimal"]
    with pytest.raises(TypeError, match="did not build a price source"):
        registry.price_sources()
