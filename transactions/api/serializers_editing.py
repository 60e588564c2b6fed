"""Request and response shapes for the person's own edits (issue 18 §2). Validation only."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations_core.api.fields import MoneyField
from transactions.models import BudgetSettings, CustomCategory, PendingPayments, TransactionSplit
from transactions.user_taxonomy import user_taxonomy


def validate_user_category(serializer: serializers.Serializer, value: str) -> str:
    """A taxonomy code or one of the person's own (custom codes are per person)."""
    request = serializer.context.get("request")
    if not user_taxonomy(getattr(request, "user", None)).is_valid(value):
        raise serializers.ValidationError(f"“{value}” is not a category code. See /api/v1/categories/ and "
                                          "/api/v1/custom-categories/.")
    return value


class SplitPartSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=22, decimal_places=4, coerce_to_string=True,
                                      help_text="Signed like the payment; the parts add up to its amount exactly.")

    class Meta:
        model = TransactionSplit
        fields = ["category", "amount", "note"]


class SplitPartOutSerializer(serializers.ModelSerializer):
    amount = MoneyField()
    category_label = serializers.SerializerMethodField()

    class Meta:
        model = TransactionSplit
        fields = ["category", "category_label", "amount", "note"]
        read_only_fields = fields

    def get_category_label(self, obj) -> str:
        return self.context.get("taxonomy", user_taxonomy(None)).path_label(obj.category)


class SplitsRequestSerializer(serializers.Serializer):
    splits = serializers.ListField(child=serializers.DictField(), min_length=0, max_length=50,
                                   help_text="[{category, amount, note?}], at least two; amounts as strings.")


class TransactionEditSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    tags = serializers.ListField(child=serializers.CharField(max_length=40), required=False, max_length=20)
    hidden = serializers.BooleanField(required=False)
    excluded_from_budgets = serializers.BooleanField(required=False)


class TransactionEditedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    notes = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField())
    hidden = serializers.BooleanField()
    excluded_from_budgets = serializers.BooleanField()
    splits = SplitPartOutSerializer(many=True)


class TotalsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    money_in = MoneyField()
    money_out = MoneyField(help_text="Negative.")
    net = MoneyField()
    count = serializers.IntegerField()


class CustomCategorySerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True, help_text="Made from the parent's code and the name.")
    path = serializers.SerializerMethodField()

    class Meta:
        model = CustomCategory
        fields = ["id", "code", "parent", "label", "path", "created_at"]
        read_only_fields = ["id", "code", "path", "created_at"]

    def get_path(self, obj) -> str:
        return user_taxonomy(obj.user).path_label(obj.code)

    def validate_parent(self, value):
        return validate_user_category(self, value)


class BudgetSettingsSerializer(serializers.ModelSerializer):
    payday = serializers.IntegerField(min_value=1, max_value=31, help_text="Day a budget period starts (1-31); "
                                      "a day a month lacks is that month's last day.")
    total_monthly = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0, allow_null=True,
                                             required=False)
    pending = serializers.ChoiceField(choices=PendingPayments.choices, required=False)

    class Meta:
        model = BudgetSettings
        fields = ["payday", "total_monthly", "currency", "pending"]


class BudgetTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    cap = serializers.DecimalField(max_digits=18, decimal_places=2)
    spent = serializers.DecimalField(max_digits=18, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=18, decimal_places=2)
    pending = serializers.DecimalField(max_digits=18, decimal_places=2)
    pending_counted = serializers.BooleanField()
    percent_used = serializers.DecimalField(max_digits=8, decimal_places=1)
    status = serializers.ChoiceField(choices=["ok", "warning", "over"])


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class TagsField(serializers.ReadOnlyField):
    pass
