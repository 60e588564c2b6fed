"""GET /api/v1/home/: the home screen's tiles (integrations_core/home_tiles.py), the same data the
web page draws. Each tile's `data` is its own object (see docs/home.md for each tile's fields)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..home_tiles import home_tiles_for, plain


class HomeTileSerializer(serializers.Serializer):
    slug = serializers.CharField(help_text="balances, net-worth, attention, money-in-out, upcoming, "
                                           "budgets-at-risk, budget-alerts, or a family's own")
    title = serializers.CharField()
    url = serializers.CharField(help_text="The web page the tile links to.")
    empty = serializers.BooleanField(help_text="True when the tile has nothing to show yet (data is null).")
    empty_text = serializers.CharField()
    data = serializers.JSONField(allow_null=True, help_text="The tile's figures: amounts are decimal strings, "
                                                            "dates ISO 8601.")


class HomeSerializer(serializers.Serializer):
    today = serializers.DateField()
    tiles = HomeTileSerializer(many=True)


class HomeView(APIView):
    @extend_schema(summary="The home screen: every tile's data", responses={200: HomeSerializer})
    def get(self, request):
        """Balances, net worth, what needs attention, this month in and out against the months
        before, the next 30 days of bills and income, budgets at risk and budget alerts (mark
        them read with POST /api/v1/budgets/alerts/read/)."""
        today = timezone.localdate()
        tiles = [{"slug": r.tile.slug, "title": r.tile.title, "url": reverse(r.tile.link), "empty": r.empty,
                  "empty_text": r.tile.empty_text, "data": plain(r.data)}
                 for r in home_tiles_for(request.user, today=today)]
        return Response(HomeSerializer({"today": today, "tiles": tiles}).data)
