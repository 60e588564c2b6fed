"""Net worth across every family (integrations_core/networth.py), the same selector the web
pages read."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..networth import net_worth_summary


class NetWorthDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    total = serializers.DecimalField(max_digits=24, decimal_places=4)
    by_family = serializers.DictField(child=serializers.DecimalField(max_digits=24, decimal_places=4))


class NetWorthSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=24, decimal_places=4)
    by_family = serializers.DictField(child=serializers.DecimalField(max_digits=24, decimal_places=4))
    by_institution = serializers.DictField(child=serializers.DecimalField(max_digits=24, decimal_places=4))
    other_currencies = serializers.DictField(child=serializers.DecimalField(max_digits=24, decimal_places=4))
    history = NetWorthDaySerializer(many=True)
    left_out_of_history = serializers.ListField(child=serializers.CharField())


class NetWorthView(APIView):
    @extend_schema(responses={200: NetWorthSerializer})
    def get(self, request):
        """Today's net worth (bank balances, credit cards subtracting, investments) split by
        family and institution, and its daily history over five years."""
        found = net_worth_summary(request.user)
        body = {"currency": found.now.currency, "total": found.now.total, "by_family": found.now.by_family,
                "by_institution": found.now.by_institution, "other_currencies": found.now.other_currencies,
                "history": [{"day": d.day, "total": d.total, "by_family": d.by_family} for d in found.history.days],
                "left_out_of_history": found.history.left_out}
        return Response(NetWorthSerializer(body).data)
