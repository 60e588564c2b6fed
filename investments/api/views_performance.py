"""Returns, value history and allocation in the API: thin views over investments/performance.py
and investments/allocation.py. A bad range is a 400 with field errors (the API's one format)."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.api.serializers import ErrorSerializer

from ..allocation import allocation_for
from ..performance import returns_table, value_history
from ..returns.periods import Period

KINDS = ["overall", "platform", "wrapper", "account", "holding"]


class ReturnsQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=[p.value for p in Period], required=False,
                                     help_text="Omit for every standard period; CUSTOM needs date_from and date_to.")
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    currency = serializers.ChoiceField(choices=["GBP", "local"], default="GBP",
                                       help_text="local: holdings in the security's own currency.")

    def validate(self, attrs):
        if attrs.get("period") == Period.CUSTOM:
            errors = {name: ["Required for a custom period."] for name in ("date_from", "date_to")
                      if not attrs.get(name)}
            if errors:
                raise serializers.ValidationError(errors)
            if attrs["date_from"] > attrs["date_to"]:
                raise serializers.ValidationError({"date_to": ["Must be on or after date_from."]})
        return attrs


class HistoryQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS, default="overall")
    key = serializers.CharField(required=False, default="", allow_blank=True)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["Must be on or after date_from."]})
        return attrs


class FigureSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=30, decimal_places=10, allow_null=True,
                                     help_text="A fraction: 0.05 is 5 %. Null when it cannot be known.")
    reason = serializers.CharField(help_text="Why value is null.")


class PeriodReturnSerializer(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateField(help_text="Measured from this day's close.")
    end = serializers.DateField()
    currency = serializers.CharField()
    twr = FigureSerializer()
    twr_annualised = FigureSerializer()
    mwr = FigureSerializer(help_text="XIRR, annualised.")
    start_value = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    end_value = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    net_flows = serializers.DecimalField(max_digits=24, decimal_places=4)


class ScopeSerializer(serializers.Serializer):
    kind = serializers.CharField()
    key = serializers.CharField()
    label = serializers.CharField()
    parent = serializers.CharField()


class ScopeReturnsSerializer(serializers.Serializer):
    scope = ScopeSerializer()
    returns = PeriodReturnSerializer(many=True)


class HistoryPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    value = serializers.DecimalField(max_digits=24, decimal_places=2, allow_null=True)
    invested = serializers.DecimalField(max_digits=24, decimal_places=2)


class ValueHistorySerializer(serializers.Serializer):
    scope = ScopeSerializer()
    currency = serializers.CharField()
    points = HistoryPointSerializer(many=True)
    gaps = serializers.ListField(child=serializers.CharField())


class SliceSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.DecimalField(max_digits=24, decimal_places=4)
    percent = serializers.DecimalField(max_digits=7, decimal_places=2)


class LocationSerializer(serializers.Serializer):
    account_id = serializers.CharField()
    account = serializers.CharField()
    platform = serializers.CharField()
    wrapper = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=30, decimal_places=10, allow_null=True)
    value = serializers.DecimalField(max_digits=24, decimal_places=4)


class LineSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    attributes = serializers.DictField(child=serializers.CharField())
    value = serializers.DecimalField(max_digits=24, decimal_places=4)
    percent = serializers.DecimalField(max_digits=7, decimal_places=2)
    locations = LocationSerializer(many=True)


class UnvaluedSerializer(serializers.Serializer):
    name = serializers.CharField()
    account = serializers.CharField()
    reason = serializers.CharField()


class AllocationSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=24, decimal_places=4)
    lines = LineSerializer(many=True)
    by = serializers.DictField(child=SliceSerializer(many=True))
    unvalued = UnvaluedSerializer(many=True)
    fx_dates = serializers.ListField(child=serializers.DateField())
    largest_percent = serializers.DecimalField(max_digits=7, decimal_places=2)


class ReturnsView(APIView):
    @extend_schema(parameters=[ReturnsQuerySerializer], responses={200: ScopeReturnsSerializer(many=True),
                                                                   400: ErrorSerializer})
    def get(self, request):
        """Time- and money-weighted returns of every holding, account, wrapper, platform and the
        whole portfolio, for the standard periods or one custom range."""
        query = ReturnsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        table = returns_table(request.user, period=q.get("period"), date_from=q.get("date_from"),
                              date_to=q.get("date_to"), local=q["currency"] == "local")
        if q.get("period") and q["period"] != Period.CUSTOM:
            table = [type(s)(s.scope, [r for r in s.returns if r.period == q["period"]]) for s in table]
        return Response(ScopeReturnsSerializer([asdict(s) for s in table], many=True).data)


class ValueHistoryView(APIView):
    @extend_schema(parameters=[HistoryQuerySerializer], responses={200: ValueHistorySerializer,
                                                                   400: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request):
        """Value and invested capital per day of one scope (default: everything), in GBP."""
        query = HistoryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        found = value_history(request.user, kind=q["kind"], key=q["key"], date_from=q.get("date_from"),
                              date_to=q.get("date_to"))
        if found is None:
            from django.http import Http404

            raise Http404("No such scope")
        return Response(ValueHistorySerializer(asdict(found)).data)


class AllocationView(APIView):
    @extend_schema(responses={200: AllocationSerializer})
    def get(self, request):
        """The person's holdings split by asset class, sub-class, region, country, currency,
        sector, platform and wrapper, one line per security across accounts."""
        found = allocation_for(request.user)
        body = asdict(found)
        body["largest_percent"] = found.largest_percent
        return Response(AllocationSerializer(body).data)
