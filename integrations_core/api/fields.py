"""Serializer fields shared by every family's API."""

from __future__ import annotations

from decimal import Decimal
from functools import reduce

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations_core.money import money_text


@extend_schema_field({"type": "string", "format": "decimal", "example": "-12.30"})
class MoneyField(serializers.Field):
    """A read-only amount as a decimal string at its currency's minor unit ("-12.30" in GBP,
    "1500" in JPY, "1.234" in KWD), never rounded: the digits the provider sent are kept. The
    currency is read from `currency_source` on the same object."""

    def __init__(self, *, currency_source: str = "currency", **kwargs):
        kwargs["read_only"] = True
        self.currency_source = currency_source
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        currency = reduce(lambda obj, name: getattr(obj, name, ""), self.currency_source.split("."), instance)
        return value, currency

    def to_representation(self, value):
        amount, currency = value
        return None if amount is None else money_text(Decimal(amount), currency)
