"""A lean read path for list endpoints: a page read as `values()` rows and turned into exactly
what the serialiser would have answered, by converters planned once per serialiser class.

Serialising 50 model instances through DRF cost three things per request that never change
between requests: `ModelSerializer.get_fields` building the field set again, a model instance per
row, and each field's general `get_attribute` / `to_representation` machinery per value. The
plan looks at the serialiser's own (readable) fields once, and for each one keeps the row key it
reads and the cheapest conversion with the same result:

- `CharField` -> `str`, `UUIDField` (hex_verbose) -> `str`, `DateField` (ISO 8601) ->
  `isoformat()`, `DateTimeField` (ISO 8601, no field time zone) -> in the current time zone,
  `isoformat()`, `+00:00` as `Z`: DRF's own steps, without its per-value lookups;
- `MoneyField` -> `money_text` with the currency read from the same row;
- `AnnotatedCharField` / `AnnotatedUUIDField` -> the annotation the list's query carries;
- a model property named in the serialiser's `lean_properties` (`{"transaction_type":
  ("amount",)}`: the property and the columns it reads) -> the model's own property, evaluated
  over the row, so its rule stays in one place;
- any other field over one plain column -> the field's own `to_representation`.

A value that is None is None, as in DRF. A field the plan cannot read from a row (a method field,
a dotted source without an annotation, an overridden `get_attribute`) makes the serialiser
unfit for the lean path (`LeanUnsupported`, raised when the plan is built): the view then keeps
DRF's path. The serialiser stays what the schema and every other action use."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import api_settings

from integrations_core.money import money_text

from .fields import AnnotatedCharField, AnnotatedUUIDField, MoneyField

ISO_8601 = "iso-8601"


class LeanUnsupported(Exception):
    """The serialiser has a field the lean path cannot reproduce from a row."""


class _RowAttributes:
    """A row's columns as attributes, for a model property to read (`self.amount`)."""

    __slots__ = ("_row",)

    def __init__(self, row: Mapping):
        self._row = row

    def __getattr__(self, name):
        try:
            return self._row[name]
        except KeyError:
            raise AttributeError(name) from None


def _is_iso(field, default: str) -> bool:
    output_format = getattr(field, "format", default)
    return isinstance(output_format, str) and output_format.lower() == ISO_8601


def _datetime_text(value, zone) -> str:
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class LeanPlan:
    """What a serialiser answers for a `values()` row, planned once: `columns` are the names to
    pass to `values()`, `represent(rows)` the serialiser's `data` for those rows."""

    def __init__(self, serializer_class: type[serializers.Serializer]):
        self.serializer_class = serializer_class
        properties = getattr(serializer_class, "lean_properties", {})
        model = getattr(getattr(serializer_class, "Meta", None), "model", None)
        columns: dict[str, None] = {}  # ordered, no repeats
        steps = []
        for field in serializer_class()._readable_fields:
            key, convert, reads = self._plan_field(field, properties, model)
            steps.append((field.field_name, key, convert))
            columns.update(dict.fromkeys(reads))
        self.columns: tuple[str, ...] = tuple(columns)
        self._steps = steps

    @staticmethod
    def _plan_field(field, properties, model) -> tuple[str | None, Callable, tuple[str, ...]]:
        """(row key, converter, columns read). The converter takes (value, row, zone); a key of
        None means the converter computes the value from the row itself."""
        kind = type(field)
        if kind in (AnnotatedCharField, AnnotatedUUIDField):
            key = field.annotation
            base = serializers.CharField if kind is AnnotatedCharField else serializers.UUIDField
            return key, _plain_converter(field, base), (key,)
        attrs = list(field.source_attrs)
        if len(attrs) != 1 or not attrs[0]:
            raise LeanUnsupported(f"{field.field_name}: source {field.source!r} is not one column")
        source = attrs[0]
        if kind is MoneyField:
            currency = field.currency_source
            if "." in currency:
                raise LeanUnsupported(f"{field.field_name}: currency {currency!r} is not one column")
            return source, (lambda value, row, zone: money_text(Decimal(value), row[currency])), (source, currency)
        if type(field).get_attribute is not serializers.Field.get_attribute:
            raise LeanUnsupported(f"{field.field_name}: {kind.__name__} reads its value its own way")
        if source in properties:
            if model is None or not isinstance(getattr(model, source, None), property):
                raise LeanUnsupported(f"{field.field_name}: {source!r} is not a property of the model")
            read = getattr(model, source).fget
            to_representation = field.to_representation

            def from_property(value, row, zone):
                value = read(_RowAttributes(row))
                return None if value is None else to_representation(value)

            return None, from_property, tuple(properties[source])
        return source, _plain_converter(field, kind), (source,)

    def represent(self, rows: Iterable[Mapping]) -> list[dict]:
        zone = timezone.get_current_timezone() if settings.USE_TZ else None
        steps = self._steps
        out = []
        for row in rows:
            item = {}
            for name, key, convert in steps:
                if key is None:
                    item[name] = convert(None, row, zone)
                    continue
                value = row[key]
                item[name] = None if value is None else convert(value, row, zone)
            out.append(item)
        return out


def _plain_converter(field, kind) -> Callable:
    """(value, row, zone) -> the field's representation of a non-None value."""
    if kind is serializers.CharField:
        return lambda value, row, zone: str(value)
    if kind is serializers.UUIDField and field.uuid_format == "hex_verbose":
        return lambda value, row, zone: str(value)
    to_representation = field.to_representation
    if kind is serializers.DateField and _is_iso(field, api_settings.DATE_FORMAT):
        # A date (always truthy) is DRF's isoformat(); anything else goes through DRF itself.
        return lambda value, row, zone: value.isoformat() if type(value) is date else to_representation(value)
    if kind is serializers.DateTimeField and _is_iso(field, api_settings.DATETIME_FORMAT) \
            and not hasattr(field, "timezone"):
        def datetime_text(value, row, zone):
            # An aware datetime in the current zone, DRF's steps; anything else (a naive value,
            # a string) through DRF itself.
            if zone is not None and getattr(value, "tzinfo", None) is not None:
                return _datetime_text(value, zone)
            return to_representation(value)

        return datetime_text
    return lambda value, row, zone: to_representation(value)


_plans: dict[type, LeanPlan] = {}


def lean_plan(serializer_class: type[serializers.Serializer]) -> LeanPlan:
    """The plan for `serializer_class`, built on first use (LeanUnsupported if it has none)."""
    plan = _plans.get(serializer_class)
    if plan is None:
        plan = _plans[serializer_class] = LeanPlan(serializer_class)
    return plan
