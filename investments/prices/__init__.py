"""Prices and FX behind pluggable sources (base.py); the configured ones in registry.py."""

from investments.prices.base import FxSource, PriceSource, Quote, value_in

__all__ = ["FxSource", "PriceSource", "Quote", "value_in"]
