from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import MatchStatus, ReconMatch


class ReconItemSerializer(serializers.Serializer):
    """A ReconItem as it is now."""

    kind = serializers.CharField()
    key = serializers.CharField()
    date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    currency = serializers.CharField()
    reference = serializers.CharField()
    counterparty = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField()
    url = serializers.CharField()


class ReconSideSerializer(serializers.Serializer):
    """One side of a match: as it was when matched, and as it is now (null once it is gone)."""

    key = serializers.CharField()
    kind = serializers.CharField()
    date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    label = serializers.CharField()
    current = ReconItemSerializer(allow_null=True)


class ReconMatchSerializer(serializers.ModelSerializer):
    left = serializers.SerializerMethodField()
    right = serializers.SerializerMethodField()
    locked = serializers.BooleanField(source="is_locked", read_only=True)
    changed = serializers.SerializerMethodField(help_text="An item changed or went since the match was made.")
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = ReconMatch
        fields = ["id", "rule", "status", "locked", "score", "reasons", "currency", "left", "right", "changed",
                  "decided_by", "decided_at", "created_at", "updated_at"]
        read_only_fields = fields

    def _items(self) -> dict:
        return self.context.get("items", {})

    def _side(self, match: ReconMatch, side: str) -> dict:
        key = getattr(match, f"{side}_key")
        current = self._items().get(key)
        return {"key": key, "kind": getattr(match, f"{side}_kind"), "date": getattr(match, f"{side}_date"),
                "amount": getattr(match, f"{side}_amount"), "label": getattr(match, f"{side}_label"),
                "current": current}

    @staticmethod
    def _changed(match: ReconMatch, items: dict) -> bool:
        for side in ("left", "right"):
            item = items.get(getattr(match, f"{side}_key"))
            if item is None or abs(item.amount) != getattr(match, f"{side}_amount") or \
                    item.date != getattr(match, f"{side}_date"):
                return True
        return False

    @staticmethod
    def _who(match: ReconMatch):
        return "you" if match.decided_by_id else None

    @extend_schema_field(ReconSideSerializer)
    def get_left(self, match) -> dict:
        return ReconSideSerializer(self._side(match, "left")).data

    @extend_schema_field(ReconSideSerializer)
    def get_right(self, match) -> dict:
        return ReconSideSerializer(self._side(match, "right")).data

    def get_changed(self, match) -> bool:
        return self._changed(match, self._items())

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, match) -> str | None:
        """"you" when the person decided (confirmed, rejected, paired), null for the engine's."""
        return self._who(match)


class ReconMatchCreateSerializer(serializers.Serializer):
    left_key = serializers.CharField(max_length=200, help_text="A payout, invoice payment or bill payment's key.")
    right_key = serializers.CharField(max_length=200, help_text="A bank line's or charge's key.")


class ReconMatchListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MatchStatus.choices, required=False)


class ReconUnmatchedItemSerializer(serializers.Serializer):
    item = ReconItemSerializer()
    suggestions = ReconMatchSerializer(many=True)


class ReconUnmatchedSerializer(serializers.Serializer):
    left = ReconUnmatchedItemSerializer(many=True, help_text="Payouts, invoice and bill payments no match holds.")
    right = ReconUnmatchedItemSerializer(many=True, help_text="Bank lines and charges no match holds.")


class ReconRunSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    trigger = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    items = serializers.IntegerField()
    matched = serializers.IntegerField()
    suggested = serializers.IntegerField()
    locked = serializers.IntegerField()


class BusinessIncomeSerializer(serializers.Serializer):
    source = serializers.CharField()
    currency = serializers.CharField()
    gross = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    fees = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    refunds = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    disputes = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    net = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    count = serializers.IntegerField()


class BusinessTotalsSerializer(BusinessIncomeSerializer):
    source = None


class BusinessOutstandingSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    number = serializers.CharField()
    contact = serializers.CharField()
    currency = serializers.CharField()
    amount_due = serializers.DecimalField(max_digits=18, decimal_places=4, coerce_to_string=True)
    due_date = serializers.DateField(allow_null=True)
    source = serializers.CharField()


class BusinessSummarySerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    income = BusinessIncomeSerializer(many=True)
    totals = BusinessTotalsSerializer(many=True)
    invoices_outstanding = BusinessOutstandingSerializer(many=True)
    bills_outstanding = BusinessOutstandingSerializer(many=True)
    owed_to_you = serializers.DictField(child=serializers.DecimalField(max_digits=18, decimal_places=4,
                                                                       coerce_to_string=True))
    overdue = serializers.DictField(child=serializers.DecimalField(max_digits=18, decimal_places=4,
                                                                   coerce_to_string=True))
    unavailable = serializers.ListField(child=serializers.CharField())


class SummaryQuerySerializer(serializers.Serializer):
    since = serializers.DateField(required=False, help_text="First day; a year before `until` when omitted.")
    until = serializers.DateField(required=False, help_text="Last day; today when omitted.")

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"since": ["Must not be after until."]})
        if since and until and (until - since).days > 3660:
            raise serializers.ValidationError({"since": ["At most ten years at a time."]})
        return attrs
