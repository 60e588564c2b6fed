"""Serializer fields shared by every family's API."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import reduce

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

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


class _AnnotationFirst:
    """Reads `annotation` when the row's query put it there (a list reading a related object's
    columns in its own query), else `source` as usual (one object from anywhere else)."""

    def __init__(self, *, annotation: str, **kwargs):
        self.annotation = annotation
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        found = getattr(instance, "__dict__", {}).get(self.annotation, _MISSING)
        return super().get_attribute(instance) if found is _MISSING else found


class AnnotatedCharField(_AnnotationFirst, serializers.CharField):
    pass


class AnnotatedUUIDField(_AnnotationFirst, serializers.UUIDField):
    pass


class FastReadMixin:
    """A read path for list serialisers, same output as DRF's `Serializer.to_representation`.

    DRF rebuilds the list of readable fields for every row and reads each attribute through
    `Field.get_attribute`'s general machinery: for a page of 50 rows of 21 fields that is half of
    a list request's CPU. This keeps the readable fields once per serialiser (the list's child is
    one instance for the whole page) and reads plain attributes (a field whose `get_attribute` is
    DRF's own, with a non-empty source path) with getattr. Anything unusual (a callable, a
    mapping, a missing attribute, a relation that does not exist) goes through the field's own
    `get_attribute`, so defaults, errors and SkipField behave exactly as before."""

    def to_representation(self, instance):
        plan = self.__dict__.get("_fast_read_plan")
        if plan is None:
            plan = [(f, f.field_name,
                     tuple(f.source_attrs) if type(f).get_attribute is serializers.Field.get_attribute
                     and f.source_attrs else None)
                    for f in self._readable_fields]
            self.__dict__["_fast_read_plan"] = plan
        ret = {}
        plain_instance = not isinstance(instance, Mapping)
        for field, name, attrs in plan:
            value = _MISSING
            if attrs is not None and plain_instance:
                try:
                    value = instance
                    for attr in attrs:
                        value = getattr(value, attr)
                        if callable(value):
                            value = _MISSING
                            break
                except Exception:  # noqa: BLE001 - the field's own path decides what it means
                    value = _MISSING
            if value is _MISSING:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            check = value.pk if isinstance(value, PKOnlyObject) else value
            ret[name] = None if check is None else field.to_representation(value)
        return ret


_MISSING = object()
