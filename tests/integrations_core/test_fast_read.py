"""FastReadMixin answers exactly what DRF's own read path answers, including defaults, callables,
mappings, missing relations and SkipField."""

from __future__ import annotations

from types import SimpleNamespace

from rest_framework import serializers

from integrations_core.api.fields import FastReadMixin, MoneyField


class Plain(serializers.Serializer):
    name = serializers.CharField()
    nested = serializers.CharField(source="inner.label")
    missing = serializers.CharField(source="inner.nothing", default="fallback")
    called = serializers.IntegerField(source="count")
    amount = MoneyField()
    method = serializers.SerializerMethodField()
    optional = serializers.CharField(source="absent", required=False)

    def get_method(self, obj):
        return "from-method"


class Fast(FastReadMixin, Plain):
    pass


def _objects():
    return [
        SimpleNamespace(name="a", inner=SimpleNamespace(label="x"), count=lambda: 3, amount="1.50", currency="GBP"),
        SimpleNamespace(name=None, inner=SimpleNamespace(label=None), count=lambda: 0, amount="-2", currency="EUR"),
        {"name": "m", "inner": {"label": "y"}, "count": 7, "amount": "0", "currency": "GBP"},
    ]


def test_same_output_as_drf_for_objects_and_mappings():
    for obj in _objects():
        assert Fast(obj).data == Plain(obj).data


def test_same_output_for_a_list():
    objects = _objects()[:2]
    assert Fast(objects, many=True).data == Plain(objects, many=True).data


def test_same_error_for_a_broken_path():
    import pytest

    broken = SimpleNamespace(name="a", inner=None, count=1, amount="1", currency="GBP")
    for serializer in (Plain, Fast):
        with pytest.raises(AttributeError, match="nested"):
            serializer(broken).data  # noqa: B018
