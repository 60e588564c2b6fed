"""Request and response shapes. Validation only: writes go through services."""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations_core.api.fields import MoneyField
from integrations_core.api.validation import MONTH_RANGE_MESSAGE, validate_api_date, validate_api_month
from transactions.categoriser.rule_regex import RulePatternError, compile_rule_pattern
from transactions.models import (
    Budget,
    BudgetAlert,
    Category,
    CategoryRule,
    MatchType,
    RecurringPayment,
)
from transactions.selectors.transactions import account_model, transaction_model
from transactions.taxonomy import is_refund, is_valid, label_of, primary_of

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def validate_category_code(value: str) -> str:
    if not is_valid(value):
        raise serializers.ValidationError(f"“{value}” is not a category code. See /api/v1/categories/.")
    return value


def parse_month(value: str) -> date:
    match = MONTH.fullmatch(value or "")
    if not match:
        raise serializers.ValidationError("Use YYYY-MM, for example 2026-03.")
    month = date(int(match.group(1)), int(match.group(2)), 1)
    try:
        # 0001-01 is a date, but the months before it (rollover, comparisons) are not.
        validate_api_month(month)
    except DjangoValidationError:
        raise serializers.ValidationError(MONTH_RANGE_MESSAGE) from None
    return month


class CategorySerializer(serializers.ModelSerializer):
    is_primary = serializers.BooleanField(read_only=True)

    class Meta:
        model = Category
        fields = ["code", "primary", "is_primary", "label", "description", "icon", "color", "kind", "uk_extension",
                  "export_code"]
        read_only_fields = fields


# --- transactions -------------------------------------------------------------------------------
class TransactionSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    amount = MoneyField(help_text="Signed: negative = money out; at the currency's minor unit.")
    primary_category = serializers.SerializerMethodField()
    category_label = serializers.SerializerMethodField()
    needs_review = serializers.SerializerMethodField()
    is_refund = serializers.SerializerMethodField()
    is_locked = serializers.SerializerMethodField()

    class Meta:
        model = transaction_model()
        fields = ["id", "account", "account_name", "booked_date", "status", "amount", "currency", "description",
                  "merchant_name", "category", "primary_category", "category_label", "category_source",
                  "category_confidence", "needs_review", "is_refund", "is_locked", "mcc", "provider_category", "notes",
                  "tags", "hidden", "excluded_from_budgets", "is_split"]
        read_only_fields = fields

    tags = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()
    excluded_from_budgets = serializers.SerializerMethodField()
    is_split = serializers.SerializerMethodField()

    def _details(self, obj):
        try:
            return obj.details
        except Exception:  # noqa: BLE001 (RelatedObjectDoesNotExist of the swappable model)
            return None

    def get_tags(self, obj) -> list[str]:
        details = self._details(obj)
        return list(details.tags) if details else []

    def get_hidden(self, obj) -> bool:
        details = self._details(obj)
        return bool(details and details.hidden)

    def get_excluded_from_budgets(self, obj) -> bool:
        details = self._details(obj)
        return bool(details and details.excluded_from_budgets)

    def get_is_split(self, obj) -> bool:
        return bool(obj.splits.all())  # prefetched by the list

    def get_primary_category(self, obj) -> str:
        return primary_of(obj.category)

    def get_category_label(self, obj) -> str:
        return label_of(obj.category) if obj.category else ""

    def get_needs_review(self, obj) -> bool:
        threshold = self.context.get("review_below", 0.5)
        return not obj.category or obj.category_confidence is None or float(obj.category_confidence) < threshold

    def get_is_refund(self, obj) -> bool:
        return is_refund(obj.category, obj.amount) if obj.category else False

    def get_is_locked(self, obj) -> bool:
        return "category" in (obj.locked_fields or [])


class ExplanationStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    confidence = serializers.FloatField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    chosen = serializers.BooleanField()


class TransactionDetailSerializer(TransactionSerializer):
    explanation = serializers.SerializerMethodField()

    class Meta(TransactionSerializer.Meta):
        fields = [*TransactionSerializer.Meta.fields, "explanation"]
        read_only_fields = fields

    @extend_schema_field(ExplanationStepSerializer(many=True))
    def get_explanation(self, obj):
        return self.context.get("explanation", [])


class RecategoriseSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=80)

    def validate_category(self, value):
        from .serializers_editing import validate_user_category

        return validate_user_category(self, value)


class RecategoriseQuerySerializer(serializers.Serializer):
    apply_to_similar = serializers.BooleanField(required=False, default=False)
    create_rule = serializers.BooleanField(required=False, default=False)


class SuggestedRuleSerializer(serializers.Serializer):
    name = serializers.CharField()
    category = serializers.CharField()
    pattern = serializers.CharField()
    match_field = serializers.CharField()
    match_type = serializers.CharField()
    direction = serializers.CharField()
    priority = serializers.IntegerField()


class RecategoriseResponseSerializer(TransactionSerializer):
    similar_updated = serializers.IntegerField(read_only=True)
    suggested_rule = SuggestedRuleSerializer(read_only=True, allow_null=True)
    rule_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta(TransactionSerializer.Meta):
        fields = [*TransactionSerializer.Meta.fields, "similar_updated", "suggested_rule", "rule_id"]
        read_only_fields = fields


# --- rules ----------------------------------------------------------------------------------------
class RuleSerializer(serializers.ModelSerializer):
    category = serializers.CharField(max_length=80)

    def validate_category(self, value):
        from .serializers_editing import validate_user_category

        return validate_user_category(self, value)
    account = serializers.PrimaryKeyRelatedField(queryset=account_model().objects.none(), required=False, allow_null=True)

    class Meta:
        model = CategoryRule
        fields = ["id", "name", "category", "pattern", "match_field", "match_type", "direction", "amount_min",
                  "amount_max", "account", "priority", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # Another user's account id is "does not exist", never "not yours".
            self.fields["account"].queryset = account_model().objects.filter(connection__user=request.user)

    def validate(self, attrs):
        merged = {**({f: getattr(self.instance, f) for f in ("pattern", "match_type", "amount_min", "amount_max")}
                     if self.instance else {}), **attrs}
        errors = {}
        if merged.get("match_type") == MatchType.REGEX:
            # Compiled exactly as the pipeline will run it: RE2, linear time on any text, so
            # `(a+)+` is harmless; what RE2 cannot run (backreferences, lookarounds, a pattern
            # too large) is refused here rather than silently matching nothing.
            try:
                compile_rule_pattern(merged.get("pattern") or "")
            except RulePatternError as exc:
                errors["pattern"] = [str(exc)]
        low, high = merged.get("amount_min"), merged.get("amount_max")
        if low is not None and high is not None and low > high:
            errors["amount_max"] = ["Must be at least amount_min."]
        if not (merged.get("pattern") or "").strip() and merged.get("account") is None and low is None and high is None:
            errors["pattern"] = ["A rule needs a pattern, an account or an amount range, or it matches everything."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class RulePreviewMatchSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    booked_date = serializers.DateField(allow_null=True)
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    currency = serializers.CharField()
    current_category = serializers.CharField(allow_blank=True)
    new_category = serializers.CharField()


class RulePreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    matches = RulePreviewMatchSerializer(many=True)


class RuleApplySerializer(serializers.Serializer):
    changed = serializers.IntegerField()


# --- budgets --------------------------------------------------------------------------------------
class BudgetSerializer(serializers.ModelSerializer):
    category = serializers.CharField(max_length=80)

    def validate_category(self, value):
        from .serializers_editing import validate_user_category

        return validate_user_category(self, value)
    category_label = serializers.SerializerMethodField()
    start_month = serializers.DateField(required=False, help_text="Any day in the first month; stored as the 1st.",
                                        validators=[validate_api_date])

    class Meta:
        model = Budget
        fields = ["id", "category", "category_label", "amount", "currency", "rollover", "start_month", "created_at",
                  "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_category_label(self, obj) -> str:
        return label_of(obj.category)

    def validate(self, attrs):
        request = self.context["request"]
        category = attrs.get("category", getattr(self.instance, "category", None))
        currency = attrs.get("currency", getattr(self.instance, "currency", "GBP"))
        clash = Budget.objects.filter(user=request.user, category=category, currency=currency)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"category": ["You already have a budget for this category."]})
        return attrs


class BudgetSummaryQuerySerializer(serializers.Serializer):
    month = serializers.CharField(required=False, help_text="YYYY-MM; this month when omitted.")

    def validate_month(self, value: str) -> date:
        return parse_month(value)

    def month_or_current(self) -> date:
        return self.validated_data.get("month") or timezone.localdate().replace(day=1)


class BudgetSummaryRowSerializer(serializers.Serializer):
    budget_id = serializers.UUIDField()
    category = serializers.CharField()
    label = serializers.CharField()
    currency = serializers.CharField()
    cap = serializers.DecimalField(max_digits=18, decimal_places=2)
    base_cap = serializers.DecimalField(max_digits=18, decimal_places=2)
    carried_over = serializers.DecimalField(max_digits=18, decimal_places=2)
    spent = serializers.DecimalField(max_digits=18, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=18, decimal_places=2)
    transactions_count = serializers.IntegerField()
    percent_used = serializers.DecimalField(max_digits=8, decimal_places=1)
    status = serializers.ChoiceField(choices=["ok", "warning", "over"])
    pending = serializers.DecimalField(max_digits=18, decimal_places=2,
                                       help_text="Pending spending in this budget (see `pending_counted`).")
    pending_counted = serializers.BooleanField()


class BudgetSummarySerializer(serializers.Serializer):
    month = serializers.CharField()
    period_start = serializers.DateField(help_text="The budget period starts on payday (the 1st by default).")
    period_end = serializers.DateField()
    payday = serializers.IntegerField()
    pending = serializers.CharField(help_text="separate: pending payments are in `pending`, not `spent`; "
                                              "counted: they are in `spent` too.")
    budgets = BudgetSummaryRowSerializer(many=True)
    total = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField(allow_null=True, help_text="The total monthly budget (all spending), "
                                                "or null when none is set: currency, cap, spent, remaining, "
                                                "pending, pending_counted, percent_used, status."))
    def get_total(self, obj):
        from .serializers_editing import BudgetTotalSerializer

        return BudgetTotalSerializer(obj["total"]).data if obj.get("total") else None


class BudgetAlertSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="budget.category", read_only=True)

    class Meta:
        model = BudgetAlert
        fields = ["id", "budget", "category", "month", "threshold", "spent", "cap", "message", "read_at", "created_at"]
        read_only_fields = fields


class AlertsReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), required=False,
                                help_text="Alerts to mark as read; all unread ones when omitted.")


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


# --- spending -------------------------------------------------------------------------------------
class SpendingQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="Defaults to the first day of this month.",
                                      validators=[validate_api_date])
    date_to = serializers.DateField(required=False, help_text="Defaults to today.", validators=[validate_api_date])
    group_by = serializers.ChoiceField(choices=["category", "merchant", "month"], default="category")
    level = serializers.ChoiceField(choices=["primary", "detailed"], default="primary")
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)

    def to_internal_value(self, data):
        # `from` and `to` are Python keywords, so they are renamed on the way in.
        data = {**{k: v for k, v in data.items()}, "date_from": data.get("from", data.get("date_from")),
                "date_to": data.get("to", data.get("date_to"))}
        return super().to_internal_value({k: v for k, v in data.items() if v not in (None, "")})

    def validate(self, attrs):
        today = timezone.localdate()
        attrs.setdefault("date_from", today.replace(day=1))
        attrs.setdefault("date_to", today)
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"to": ["Must be on or after from."]})
        if (attrs["date_to"] - attrs["date_from"]).days > 3 * 366:
            raise serializers.ValidationError({"to": ["Ask for at most three years at a time."]})
        return attrs


class SpendingGroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    spent = serializers.DecimalField(max_digits=18, decimal_places=2)
    count = serializers.IntegerField()


class SpendingSummarySerializer(serializers.Serializer):
    to = serializers.DateField()
    currency = serializers.CharField()
    group_by = serializers.CharField()
    total_spent = serializers.DecimalField(max_digits=18, decimal_places=2)
    total_income = serializers.DecimalField(max_digits=18, decimal_places=2)
    groups = SpendingGroupSerializer(many=True)


# `from` is a Python keyword, so it cannot be written as a class attribute above.
SpendingSummarySerializer._declared_fields = {"from": serializers.DateField(),
                                              **SpendingSummarySerializer._declared_fields}


# --- recurring ------------------------------------------------------------------------------------
class RecurringPaymentSerializer(serializers.ModelSerializer):
    category_label = serializers.SerializerMethodField()

    class Meta:
        model = RecurringPayment
        fields = ["id", "account", "name", "merchant_key", "category", "category_label", "kind", "direction",
                  "frequency", "currency", "typical_amount", "last_amount", "last_date", "next_expected_date",
                  "next_expected_amount", "occurrences", "is_active"]
        read_only_fields = fields

    def get_category_label(self, obj) -> str:
        return label_of(obj.category) if obj.category else ""

