"""Serializers for the pensions API. Amounts are decimal strings; every value says its source
("synced" from a provider, "manual" when the person typed it) and its date (the scheme's
illustration date, or the statement date the person gave). Identity data never appears."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from integrations_core.api.fields import MoneyField

from ..models import PensionConnection, PensionConsent, PensionType, PensionValuation
from ..services.identity import IdentityInvalid, date_of_birth_clean

MANUAL_TYPES = (PensionType.DC, PensionType.DB)  # what a person can say of a pot they enter


def _not_future(value: date, what: str) -> date:
    if value > timezone.localdate():
        raise serializers.ValidationError(f"{what} cannot be in the future.")
    if value.year < 1900:
        raise serializers.ValidationError("Check the year: that is before 1900.")
    return value


class PensionValuationSerializer(serializers.ModelSerializer):
    value = MoneyField()
    contributions = MoneyField(allow_null=True)
    eri_annual_amount = MoneyField(allow_null=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = PensionValuation
        fields = ("id", "date", "value", "currency", "basis", "source", "source_label", "contributions",
                  "eri_annual_amount", "eri_payable_date", "note")


class PensionPendingSerializer(serializers.Serializer):
    code = serializers.CharField(source="value_pending")
    message = serializers.CharField(source="value_pending_message")
    since = serializers.DateTimeField(source="value_pending_since", allow_null=True)


class PensionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    pension_type = serializers.CharField()
    is_pot = serializers.BooleanField()
    match_type = serializers.CharField()
    is_manual = serializers.BooleanField()
    provider = serializers.SerializerMethodField()
    contact_reference = serializers.CharField()
    monthly_contribution = MoneyField()
    annual_charge_percent = serializers.DecimalField(max_digits=5, decimal_places=3, allow_null=True)
    latest = serializers.SerializerMethodField()
    being_calculated = serializers.SerializerMethodField()

    def get_provider(self, obj) -> str:
        return obj.provider_name or obj.connection.institution_name or obj.scheme_name

    @staticmethod
    def _latest(obj):
        if hasattr(obj, "latest_value"):
            return obj.latest_value, obj.latest_date, obj.latest_source
        row = obj.valuations.order_by("-date").first()
        return (row.value, row.date, row.source) if row else (None, None, None)

    def get_latest(self, obj) -> dict | None:
        value, day, source = self._latest(obj)
        if value is None:
            return None
        return {"value": f"{Decimal(value):.2f}", "currency": obj.currency, "date": day.isoformat(),
                "source": source, "basis": "pot" if obj.is_pot else "annual_income"}

    def get_being_calculated(self, obj) -> dict | None:
        return PensionPendingSerializer(obj).data if obj.value_pending else None


class PensionDetailSerializer(PensionSerializer):
    valuations = PensionValuationSerializer(many=True, read_only=True)
    employment_membership_periods = serializers.JSONField()
    pension_administrator = serializers.JSONField()


class PotCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    pension_type = serializers.ChoiceField(choices=MANUAL_TYPES)
    provider_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    monthly_contribution = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0),
                                                    required=False, default=Decimal(0))
    annual_charge_percent = serializers.DecimalField(max_digits=5, decimal_places=3, min_value=Decimal(0),
                                                     max_value=Decimal(5), required=False, allow_null=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0), required=False)
    value_date = serializers.DateField(required=False)
    contributions = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0), required=False,
                                             help_text="Paid in so far, as the statement says.")

    def validate_value_date(self, value):
        return _not_future(value, "A statement date")

    def validate(self, data):
        if "value_date" in data and "value" not in data:
            raise serializers.ValidationError({"value": ["Give the value the statement shows on that date."]})
        return data


class PotUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    pension_type = serializers.ChoiceField(choices=MANUAL_TYPES, required=False)
    provider_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    monthly_contribution = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0),
                                                    required=False)
    annual_charge_percent = serializers.DecimalField(max_digits=5, decimal_places=3, min_value=Decimal(0),
                                                     max_value=Decimal(5), required=False, allow_null=True)


class ValueAddSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0),
                                     help_text="The pot's value, or a DB pension's yearly income.")
    date = serializers.DateField(help_text="The statement's date.")
    contributions = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0), required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    def validate_date(self, value):
        return _not_future(value, "A statement date")


class PensionConnectionSerializer(serializers.ModelSerializer):
    user_state = serializers.CharField(read_only=True)
    pensions = serializers.SerializerMethodField()

    class Meta:
        model = PensionConnection
        fields = ("id", "provider", "institution_name", "status", "user_state", "consent_expires_at",
                  "last_synced_at", "next_sync_at", "last_error", "pensions")

    def get_pensions(self, obj) -> int:
        return obj.accounts.filter(is_active=True).count()


class PensionStatementRequestedSerializer(serializers.Serializer):
    status = serializers.CharField()
    sync_run = serializers.UUIDField(allow_null=True)


class PensionConsentSerializer(serializers.ModelSerializer):
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = PensionConsent
        fields = ("id", "provider", "status", "given_at", "expires_at", "withdrawn_at", "wording", "in_force")

    def get_in_force(self, obj) -> bool:
        return (obj.status == PensionConsent.Status.GIVEN and obj.withdrawn_at is None
                and obj.expires_at is not None and obj.expires_at > timezone.now())


class ConsentAnswerSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=50)
    answer = serializers.ChoiceField(choices=("yes", "no", "withdraw"),
                                     help_text="yes: give (12 months); no: refuse; withdraw: end consent now.")


class StatePensionAgeSerializer(serializers.Serializer):
    on = serializers.DateField(allow_null=True, help_text="Null: reached already (born before 6 Dec 1953).")
    years = serializers.IntegerField()
    months = serializers.IntegerField()
    rule = serializers.CharField()


class StatePensionSerializer(serializers.Serializer):
    """What the person enters (PUT); answered as StatePensionReadSerializer."""

    weekly_amount = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=Decimal(0),
                                             max_value=Decimal(1000))
    qualifying_years = serializers.IntegerField(min_value=0, max_value=60)
    forecast_date = serializers.DateField(help_text="The day you checked the forecast on GOV.UK.")
    date_of_birth = serializers.DateField(required=False, write_only=True,
                                          help_text="Needed once, for your State Pension age.")
    annual_amount = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True, allow_null=True)
    state_pension_age = StatePensionAgeSerializer(read_only=True, allow_null=True)

    def validate_forecast_date(self, value):
        return _not_future(value, "The forecast date")

    def validate_date_of_birth(self, value):
        try:
            return date_of_birth_clean(value)
        except IdentityInvalid as exc:
            raise serializers.ValidationError(exc.fields["date_of_birth"]) from None


class StatePensionReadSerializer(serializers.Serializer):
    """Null figures until the forecast is entered; a null age until the date of birth is known."""

    weekly_amount = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    qualifying_years = serializers.IntegerField(allow_null=True)
    forecast_date = serializers.DateField(allow_null=True)
    annual_amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    state_pension_age = StatePensionAgeSerializer(allow_null=True)


class RetirementAssumptionsSerializer(serializers.Serializer):
    retirement_age = serializers.IntegerField(min_value=55, max_value=75,
                                              help_text="Private pensions can be taken from 55 (57 from 2028).")
    growth_rate_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(-5),
                                                   max_value=Decimal(15))
    inflation_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0),
                                                 max_value=Decimal(10))
    annual_charge_percent = serializers.DecimalField(max_digits=5, decimal_places=3, min_value=Decimal(0),
                                                     max_value=Decimal(5))
    lump_sum_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0),
                                                max_value=Decimal(25), help_text="Tax-free cash: at most 25%.")
    drawdown_rate_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal(0),
                                                     max_value=Decimal(15))


class RetirementAssumptionsUpdateSerializer(RetirementAssumptionsSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class PotProjectionSerializer(serializers.Serializer):
    name = serializers.CharField()
    value_now = serializers.DecimalField(max_digits=22, decimal_places=2)
    value_at_retirement = serializers.DecimalField(max_digits=22, decimal_places=0)
    real_growth_percent = serializers.DecimalField(max_digits=7, decimal_places=2)


class IncomeProjectionSerializer(serializers.Serializer):
    name = serializers.CharField()
    annual_amount = serializers.DecimalField(max_digits=22, decimal_places=2)


class RetirementProjectionSerializer(serializers.Serializer):
    """A year's income in today's money, from the assumptions shown with it."""

    retirement_date = serializers.DateField()
    pots = PotProjectionSerializer(many=True)
    pots_total = serializers.DecimalField(max_digits=22, decimal_places=0)
    lump_sum = serializers.DecimalField(max_digits=22, decimal_places=0)
    lump_sum_capped = serializers.BooleanField()
    drawdown_income = serializers.DecimalField(max_digits=22, decimal_places=0)
    db_incomes = IncomeProjectionSerializer(many=True)
    db_income = serializers.DecimalField(max_digits=22, decimal_places=0)
    state_pension = serializers.DecimalField(max_digits=22, decimal_places=0)
    state_pension_from = serializers.DateField(allow_null=True)
    income_at_retirement = serializers.DecimalField(max_digits=22, decimal_places=0)
    income_with_state_pension = serializers.DecimalField(max_digits=22, decimal_places=0)
    notes = serializers.ListField(child=serializers.CharField())


class ProjectionAnswerSerializer(serializers.Serializer):
    """The assumptions (always, editable), whose defaults they are, and the projection: null
    while something it needs is missing (`missing` says what: `date_of_birth`)."""

    assumptions = RetirementAssumptionsSerializer()
    assumptions_source = serializers.CharField()
    projection = RetirementProjectionSerializer(allow_null=True)
    missing = serializers.ListField(child=serializers.CharField())
