"""Investment API representations. Credentials, tokens and raw payloads are never fields; a
platform's credential fields are described (name, label, secret...), never their values.
Money is MoneyField (a decimal string at the currency's minor unit); quantities and prices are
decimal strings exactly as stored."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations_core.api.fields import MoneyField
from integrations_core.api.validation import validate_api_date
from integrations_core.money import PRICE, QUANTITY

from ..models import (
    AccountValuation,
    InvestmentConnection,
    InvestmentTransaction,
    InvestmentTransactionType,
    Security,
    Wrapper,
)
from ..services.connections import investment_connection_fetches

MONEY_INPUT = {"max_digits": 18, "decimal_places": 4, "min_value": Decimal("-1000000000000"),
               "max_value": Decimal("1000000000000")}


@extend_schema_field({"type": "string", "format": "decimal", "example": "12.5", "nullable": True})
class DecimalText(serializers.Field):
    """A quantity or price as a decimal string, exactly as stored (trailing zeros dropped)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        text = f"{Decimal(value).normalize():f}"
        return "0" if text in ("-0", "0") else text


class PlatformSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    logo_url = serializers.CharField(allow_blank=True)
    auth_type = serializers.CharField()
    accepts_files = serializers.BooleanField()
    credential_fields = serializers.ListField(child=serializers.DictField(), help_text=(
        "The inputs an API-key connection asks for: name, label, secret, help_text, choices, required."))


class InvestmentConnectionSerializer(serializers.ModelSerializer):
    user_state = serializers.CharField(read_only=True)
    can_sync = serializers.SerializerMethodField(help_text="The platform fetches: POST sync/ can queue a sync.")

    class Meta:
        model = InvestmentConnection
        fields = ["id", "provider", "institution_name", "status", "user_state", "can_sync", "last_error",
                  "last_error_code", "last_synced_at", "next_sync_at", "created_at"]
        read_only_fields = fields

    def get_can_sync(self, obj: InvestmentConnection) -> bool:
        return investment_connection_fetches(obj) and obj.is_syncable


class InvestmentSyncRunSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    trigger = serializers.CharField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    added = serializers.IntegerField()
    updated = serializers.IntegerField()
    removed = serializers.IntegerField()
    error_code = serializers.CharField()
    error = serializers.CharField()


class InvestmentSyncRequestedSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="queued, or the run's outcome if it already ran")
    sync_run = InvestmentSyncRunSerializer()


class InvestmentAccountSerializer(serializers.Serializer):
    """An investment account with its figures (selectors.AccountSummary)."""

    id = serializers.UUIDField(source="account.pk")
    connection = serializers.UUIDField(source="account.connection_id")
    provider = serializers.CharField(source="account.connection.provider")
    institution_name = serializers.CharField(source="account.connection.institution_name")
    name = serializers.CharField(source="account.name")
    wrapper = serializers.CharField(source="account.wrapper")
    currency = serializers.CharField(source="account.currency")
    is_manual = serializers.BooleanField(source="account.is_manual")
    cash = MoneyField(source="figures.cash", currency_source="figures.currency", allow_null=True)
    holdings_value = MoneyField(source="figures.holdings_value", currency_source="figures.currency", allow_null=True,
                                help_text="Empty when a holding's value is unknown or in another currency.")
    value = MoneyField(source="figures.value", currency_source="figures.currency", allow_null=True,
                       help_text="Cash plus holdings value.")
    book_cost = MoneyField(source="figures.book_cost", currency_source="figures.currency", allow_null=True)
    gain = MoneyField(source="figures.gain", currency_source="figures.currency", allow_null=True)
    gain_percent = DecimalText(source="figures.gain_percent", allow_null=True)
    fx_dates = serializers.ListField(source="figures.fx_dates", child=serializers.DateField(), help_text=(
        "The ECB fixings holdings in another currency were converted at (a weekend takes the previous "
        "fixing); empty when nothing was converted."))
    fx_reason = serializers.CharField(source="figures.fx_reason", help_text=(
        "Why a figure that needed an FX rate is empty (e.g. a day after the shipped ECB history)."))
    last_synced_at = serializers.DateTimeField(allow_null=True)


class FiguresSerializer(serializers.Serializer):
    """Figures in one currency (selectors.Figures)."""

    currency = serializers.CharField()
    cash = MoneyField(allow_null=True)
    holdings_value = MoneyField(allow_null=True)
    value = MoneyField(allow_null=True, help_text="Cash plus holdings value; empty when a part is unknown.")
    book_cost = MoneyField(allow_null=True, help_text="Never converted: empty when a part is in another currency.")
    gain = MoneyField(allow_null=True)
    gain_percent = DecimalText(allow_null=True)
    fx_dates = serializers.ListField(child=serializers.DateField(), help_text="The ECB fixings used, if any.")
    fx_reason = serializers.CharField(help_text="Why a figure that needed an FX rate is empty.")


class PortfolioTotalSerializer(serializers.Serializer):
    """Every investment account in the person's main currency (selectors.PortfolioTotal)."""

    currency = serializers.CharField()
    total = FiguresSerializer(source="figures", help_text=(
        "Converted account by account at the ECB fixing of its snapshot's date."))
    per_currency = FiguresSerializer(many=True, help_text="The same accounts' totals, unconverted, per currency.")


class AccountCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    wrapper = serializers.ChoiceField(choices=Wrapper.choices)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", help_text="ISO 4217, e.g. GBP.")
    cash = serializers.DecimalField(**MONEY_INPUT, required=False, allow_null=True, default=None)


class AccountUpdateSerializer(serializers.Serializer):
    wrapper = serializers.ChoiceField(choices=Wrapper.choices,
                                      help_text="The account's tax wrapper; later syncs keep the person's choice.")


class SecuritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Security
        fields = ["id", "name", "isin", "ticker", "mic", "type", "quote_currency", "asset_class", "asset_subclass",
                  "country", "region", "sector"]
        read_only_fields = fields


class SecurityBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Security
        fields = ["id", "name", "isin", "ticker"]
        read_only_fields = fields


class InvestmentHoldingSerializer(serializers.Serializer):
    """One current holding (selectors.HoldingRow)."""

    id = serializers.UUIDField(source="holding.pk")
    account = serializers.UUIDField(source="holding.snapshot.account_id")
    security = SecurityBriefSerializer()
    quantity = DecimalText()
    price = DecimalText(allow_null=True, help_text="Per unit, as quoted, in price_currency (GBX = pence).")
    price_currency = serializers.CharField()
    account_price = DecimalText(allow_null=True, help_text="The same price in the account currency (GBX -> GBP "
                                                           "exactly, another currency at fx_rate); empty "
                                                           "without a rate.")
    value = MoneyField(allow_null=True)
    book_cost = MoneyField(allow_null=True)
    gain = MoneyField(allow_null=True)
    gain_percent = DecimalText(allow_null=True)
    currency = serializers.CharField()
    account_value = MoneyField(allow_null=True, currency_source="account_currency", help_text=(
        "The value in the account currency: converted at fx_rate when the holding is in another one; "
        "empty without a rate (see fx_reason)."))
    account_currency = serializers.CharField()
    fx_rate = DecimalText(allow_null=True, help_text="Units of the account currency per unit of the holding's, "
                                                     "from the ECB fixing of fx_date; empty when not converted.")
    fx_date = serializers.DateField(allow_null=True, help_text=(
        "The ECB fixing used: the snapshot's date, or the previous fixing on a weekend or TARGET holiday."))
    fx_reason = serializers.CharField(help_text="Why account_price or account_value is empty.")
    source = serializers.CharField(help_text="synced | statement | manual")


class HoldingSetSerializer(serializers.Serializer):
    """A manual holding: name the security by ISIN, ticker or name (at least one)."""

    isin = serializers.RegexField(r"^[A-Za-z]{2}[A-Za-z0-9]{9}[0-9]$", required=False, allow_blank=True, default="")
    ticker = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(**QUANTITY, min_value=Decimal(0), help_text="0 removes the holding.")
    price = serializers.DecimalField(**PRICE, min_value=Decimal(0), required=False, allow_null=True, default=None)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, allow_blank=True, default="",
                                      help_text="The price's currency (GBX for pence); default the account's.")
    book_cost = serializers.DecimalField(**MONEY_INPUT, required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if not any(attrs.get(k, "").strip() for k in ("isin", "ticker", "name")):
            raise serializers.ValidationError({"name": ["Give the security's ISIN, ticker or name."]})
        return attrs


class DifferenceSerializer(serializers.Serializer):
    security = serializers.CharField(source="security_external_id", help_text="ISIN, else ticker, else name.")
    field = serializers.CharField(help_text="quantity | book_cost | missing_in_history | missing_on_platform")
    ours = DecimalText(allow_null=True, help_text="From the transaction history.")
    theirs = DecimalText(allow_null=True, help_text="As the platform reports it.")
    message = serializers.CharField()


class ValuationSerializer(serializers.ModelSerializer):
    value = MoneyField()

    class Meta:
        model = AccountValuation
        fields = ["date", "value", "currency", "source"]
        read_only_fields = fields


class ValuationSetSerializer(serializers.Serializer):
    date = serializers.DateField(validators=[validate_api_date])
    value = serializers.DecimalField(**MONEY_INPUT)


class InvestmentTransactionSerializer(serializers.ModelSerializer):
    account = serializers.UUIDField(source="account_id", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    security = SecurityBriefSerializer(allow_null=True, read_only=True)
    type = serializers.ChoiceField(choices=InvestmentTransactionType.choices, read_only=True)
    quantity = DecimalText(allow_null=True)
    price = DecimalText(allow_null=True)
    amount = MoneyField(help_text="Signed cash impact in the account currency: negative = money out.")
    fees = MoneyField()
    taxes = MoneyField()

    class Meta:
        model = InvestmentTransaction
        fields = ["id", "account", "account_name", "type", "booked_date", "settle_date", "security", "quantity",
                  "price", "price_currency", "amount", "currency", "fees", "taxes", "description", "category",
                  "status", "created_at"]
        read_only_fields = fields
