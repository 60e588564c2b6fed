"""Bank API representations. Tokens, credentials and raw provider payloads are never fields."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations_core.api.fields import AnnotatedCharField, AnnotatedUUIDField, FastReadMixin, MoneyField
from integrations_core.models import ConnectionStatus, SyncRun
from integrations_core.providers.registry import registry

from ..models import (
    BalanceSnapshot,
    BankAccount,
    BankAccountType,
    BankConnection,
    BankTransaction,
    Institution,
)

# UK rules have the person reconfirm access every 90 days; we start asking this long before.
RECONFIRM_WINDOW = timedelta(days=14)


def bank_provider_choices() -> list[str]:
    return sorted(p.slug for p in registry.all() if p.connection_model == "open_banking.BankConnection")


def connection_user_state(connection: BankConnection) -> str:
    """The core's state, plus: a consent whose end date has passed needs a reconnect even if no
    sync has found out yet, and a connection whose retries ran out while the provider was
    limiting us still says until when (the core calls that plain "error")."""
    state = connection.user_state
    waiting = connection.retry_after is not None and connection.retry_after > timezone.now()
    if state == "error" and connection.last_error_code == "rate_limited" and waiting:
        state = "rate_limited"
    expired = connection.consent_expires_at is not None and connection.consent_expires_at <= timezone.now()
    if expired and connection.status in (ConnectionStatus.ACTIVE, ConnectionStatus.ERROR):
        return ConnectionStatus.REAUTH_REQUIRED
    return state


class InstitutionSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="external_id", help_text="Pass this as `institution` to connect.")

    class Meta:
        model = Institution
        fields = ["id", "provider", "name", "country", "bic", "logo_url", "transaction_total_days",
                  "max_access_valid_for_days"]


class BankConnectionSerializer(serializers.ModelSerializer):
    user_state = serializers.SerializerMethodField(
        help_text="ok | pending | reauth_required | rate_limited | provider_down | error | revoked | expired")
    reconnect_url = serializers.SerializerMethodField(help_text="POST here to reconnect, when reauth is needed.")
    reconfirm_by = serializers.DateTimeField(source="consent_expires_at", read_only=True, allow_null=True,
                                             help_text="When the consent ends unless the person reconfirms.")
    reconfirmation_due = serializers.SerializerMethodField()
    retry_after = serializers.SerializerMethodField(help_text="While rate limited: when we will try again.")

    class Meta:
        model = BankConnection
        fields = ["id", "provider", "institution_id", "institution_name", "status", "user_state", "last_error",
                  "last_error_code", "retry_after", "reconnect_url", "consent_expires_at", "reconfirm_by",
                  "reconfirmation_due", "last_synced_at", "next_sync_at", "created_at"]
        read_only_fields = fields

    def get_user_state(self, obj: BankConnection) -> str:
        return connection_user_state(obj)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_retry_after(self, obj: BankConnection):
        if obj.retry_after and obj.retry_after > timezone.now():
            return serializers.DateTimeField().to_representation(obj.retry_after)
        return None

    @extend_schema_field(serializers.BooleanField())
    def get_reconfirmation_due(self, obj: BankConnection) -> bool:
        if obj.consent_expires_at is None or obj.status != ConnectionStatus.ACTIVE:
            return False
        return obj.consent_expires_at - timezone.now() <= RECONFIRM_WINDOW

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_reconnect_url(self, obj: BankConnection) -> str | None:
        if connection_user_state(obj) not in (ConnectionStatus.REAUTH_REQUIRED, ConnectionStatus.EXPIRED) \
                and not self.get_reconfirmation_due(obj):
            return None
        path = reverse("bank-connection-reconnect", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ConnectionCreateSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=50)
    institution = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate_provider(self, value: str) -> str:
        if value not in bank_provider_choices():
            raise serializers.ValidationError("Unknown provider.")
        return value


class AuthorizationSerializer(BankConnectionSerializer):
    authorization_url = serializers.SerializerMethodField()

    class Meta(BankConnectionSerializer.Meta):
        fields = ["id", "status", "authorization_url", *[f for f in BankConnectionSerializer.Meta.fields
                                                         if f not in ("id", "status")]]
        read_only_fields = fields

    def get_authorization_url(self, obj) -> str:
        return self.context["authorization_url"]


class SyncRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = ["id", "provider", "trigger", "started_at", "finished_at", "outcome", "account_results", "added",
                  "updated", "removed", "provider_calls", "error_code", "error", "next_action"]
        read_only_fields = fields


class SyncRequestedSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="queued, or the run's outcome if it already ran")
    sync_run = SyncRunSerializer(allow_null=True)


class BankAccountSerializer(serializers.ModelSerializer):
    connection = serializers.UUIDField(source="connection_id", read_only=True)
    provider = serializers.CharField(source="connection.provider", read_only=True)
    institution_name = serializers.CharField(source="connection.institution_name", read_only=True)
    # One sign convention for every provider: negative = owed (a card's spent balance, an
    # overdraft), positive = held. Statement figures and payment_due are amounts due (positive).
    current_balance = MoneyField(allow_null=True, help_text="Negative = owed (credit card balance, overdraft); "
                                                            "positive = money held. Same for every provider.")
    available_balance = MoneyField(allow_null=True, help_text="What can be spent now, including unused "
                                                              "overdraft or credit limit.")
    credit_limit = MoneyField(allow_null=True)
    last_statement_balance = MoneyField(allow_null=True, help_text="Amount due on the last statement (positive).")
    payment_due = MoneyField(allow_null=True, help_text="Amount due by payment_due_date (positive).")
    sync_state = serializers.CharField(read_only=True, help_text="ok | balance_stale (the balance is as of "
                                       "balance_updated_at) | failing (see sync_error, since sync_failing_since)")
    is_manual = serializers.BooleanField(read_only=True, help_text="Added and kept by the person (never synced): "
                                         "change it through /open-banking/manual-accounts/.")

    class Meta:
        model = BankAccount
        fields = ["id", "is_manual", "connection", "provider", "institution_name", "name", "type", "subtype",
                  "currency",
                  "current_balance", "available_balance", "balance_updated_at", "masked_number", "iban_masked",
                  "sort_code_masked", "credit_limit", "last_statement_balance", "last_statement_date",
                  "payment_due", "payment_due_date", "is_active", "last_synced_at", "sync_state",
                  "sync_error_code", "sync_error", "sync_failing_since", "created_at"]
        read_only_fields = fields


class BalanceSnapshotSerializer(serializers.ModelSerializer):
    current = MoneyField(allow_null=True)
    available = MoneyField(allow_null=True)

    class Meta:
        model = BalanceSnapshot
        fields = ["date", "current", "available", "currency"]
        read_only_fields = fields


class BankTransactionSerializer(FastReadMixin, serializers.ModelSerializer):
    account = serializers.UUIDField(source="account_id", read_only=True)
    # A list's rows carry these from their own query (selectors.bank_transaction_rows).
    account_name = AnnotatedCharField(source="account.name", annotation="listed_account_name", read_only=True)
    connection = AnnotatedUUIDField(source="account.connection_id", annotation="listed_connection_id",
                                    read_only=True)
    provider = AnnotatedCharField(source="account.connection.provider", annotation="listed_provider",
                                  read_only=True)
    type = serializers.CharField(source="transaction_type", read_only=True, help_text="debit | credit")
    amount = MoneyField(help_text="Signed: negative = money out.")
    running_balance = MoneyField(allow_null=True)
    original_amount = MoneyField(currency_source="original_currency", allow_null=True)

    # For the list's lean path (integrations_core.api.lean): the model property `type` shows, and
    # the columns it reads.
    lean_properties = {"transaction_type": ("amount",)}

    class Meta:
        model = BankTransaction
        fields = ["id", "account", "account_name", "connection", "provider", "booked_date", "value_date",
                  "booked_at", "amount", "currency", "type", "status", "description", "merchant_name", "category",
                  "provider_category", "running_balance", "original_amount", "original_currency", "notes",
                  "created_at"]
        read_only_fields = fields


# --- manual accounts (issue 18 §2) -------------------------------------------------------------
class ManualAccountCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=BankAccountType.choices)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", max_length=3, error_messages={
        "invalid": "Use a three-letter ISO 4217 code such as GBP."})
    balance = serializers.DecimalField(max_digits=18, decimal_places=2,
                                       help_text="For a loan, mortgage or card, what is owed (stored negative).")


class ManualBalanceSerializer(serializers.Serializer):
    balance = serializers.DecimalField(max_digits=18, decimal_places=2,
                                       help_text="For a loan, mortgage or card, what is owed (stored negative).")


class ManualTransactionCreateSerializer(serializers.Serializer):
    booked_date = serializers.DateField()
    description = serializers.CharField(max_length=500)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="Negative = money out.")
    category = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    move_balance = serializers.BooleanField(required=False, default=True,
                                            help_text="Move the account's balance by the amount (default).")

    def validate_amount(self, value):
        if value == 0:
            raise serializers.ValidationError("An amount that is not zero.")
        return value
