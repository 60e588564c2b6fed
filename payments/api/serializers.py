"""Read-only shapes of the payments API. Amounts are strings (Decimal, never float) beside
their ISO currency; no raw provider payload, token or key is ever serialised."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import BalanceTransaction, Dispute, Payout, ProcessorAccount


class ProcessorBalanceSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="connection.provider", read_only=True)
    connection = serializers.UUIDField(source="connection_id", read_only=True)

    class Meta:
        model = ProcessorAccount
        fields = ["id", "connection", "provider", "name", "currency", "current_balance", "available_balance",
                  "pending_balance", "balance_updated_at", "is_active", "last_synced_at"]
        read_only_fields = fields


class FeeDetailSerializer(serializers.Serializer):
    type = serializers.CharField()
    amount = serializers.DecimalField(max_digits=22, decimal_places=4)
    currency = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class BalanceTransactionSerializer(serializers.ModelSerializer):
    account = serializers.UUIDField(source="account_id", read_only=True)
    payout = serializers.UUIDField(source="payout_id", read_only=True, allow_null=True)
    fee_details = FeeDetailSerializer(many=True, read_only=True)

    class Meta:
        model = BalanceTransaction
        fields = ["id", "account", "external_id", "type", "status", "occurred_at", "amount", "fee", "net", "currency",
                  "fee_details", "available_on", "description", "source_id", "payout", "payout_external_id",
                  "reporting_category", "counterparty", "reference", "original_amount", "original_currency",
                  "exchange_rate"]
        read_only_fields = fields


class PayoutSerializer(serializers.ModelSerializer):
    account = serializers.UUIDField(source="account_id", read_only=True)
    transaction_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Payout
        fields = ["id", "account", "external_id", "amount", "currency", "status", "occurred_at", "arrival_date",
                  "reference", "destination", "method", "automatic", "failure_message", "transaction_count"]
        read_only_fields = fields


class PayoutTotalsSerializer(serializers.Serializer):
    gross = serializers.DecimalField(max_digits=22, decimal_places=4)
    fees = serializers.DecimalField(max_digits=22, decimal_places=4)
    net = serializers.DecimalField(max_digits=22, decimal_places=4)
    difference = serializers.DecimalField(max_digits=22, decimal_places=4,
                                          help_text="Payout amount minus the net of what it carried: 0 when it reconciles.")


class PayoutDetailSerializer(PayoutSerializer):
    totals = serializers.SerializerMethodField()

    class Meta(PayoutSerializer.Meta):
        fields = [*PayoutSerializer.Meta.fields, "totals"]
        read_only_fields = fields

    @extend_schema_field(PayoutTotalsSerializer)
    def get_totals(self, obj) -> dict:
        from ..selectors import payout_totals

        return PayoutTotalsSerializer(payout_totals(obj)).data


class DisputeSerializer(serializers.ModelSerializer):
    account = serializers.UUIDField(source="account_id", read_only=True)

    class Meta:
        model = Dispute
        fields = ["id", "account", "external_id", "amount", "currency", "status", "reason", "occurred_at",
                  "evidence_due_by", "charge_external_id", "closed"]
        read_only_fields = fields


class PaymentsConnectionSerializer(serializers.ModelSerializer):
    user_state = serializers.CharField(read_only=True)

    class Meta:
        from ..models import PaymentsConnection

        model = PaymentsConnection
        fields = ["id", "provider", "institution_name", "status", "user_state", "last_error", "last_error_code",
                  "last_synced_at", "next_sync_at", "created_at"]
        read_only_fields = fields


class PaymentsSyncRequestedSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="queued, or the run's outcome if it already ran")
    sync_run = serializers.UUIDField(source="sync_run.id")
