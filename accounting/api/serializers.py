"""Shapes of the accounting API. Tokens and credentials never appear; amounts are strings of
Decimal with their currency."""

from __future__ import annotations

from rest_framework import serializers

from ..models import (
    BookPayment,
    BooksConnection,
    Invoice,
    LedgerAccount,
    Organisation,
    PushedItem,
    PushRun,
    PushStatus,
)


class BooksConnectionSerializer(serializers.ModelSerializer):
    user_state = serializers.CharField(read_only=True)

    class Meta:
        model = BooksConnection
        fields = ("id", "provider", "status", "user_state", "institution_name", "last_synced_at", "last_error",
                  "created_at")
        read_only_fields = fields


class BooksSyncRequestedSerializer(serializers.Serializer):
    run = serializers.UUIDField()
    outcome = serializers.CharField()


class OrganisationSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="connection.provider", read_only=True)
    connection = serializers.UUIDField(source="connection_id", read_only=True)
    conflicts = serializers.IntegerField(source="conflict_count", read_only=True, default=0)

    class Meta:
        model = Organisation
        fields = ("id", "name", "provider", "connection", "currency", "country", "is_active", "disconnected_at",
                  "last_synced_at", "sync_error", "conflicts")
        read_only_fields = fields


class LedgerAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerAccount
        fields = ("id", "external_id", "code", "name", "type", "classification", "status", "currency", "is_bank")
        read_only_fields = fields


class LedgerAccountBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerAccount
        fields = ("id", "code", "name")
        read_only_fields = fields


class SuggestionSerializer(serializers.Serializer):
    ledger_account = LedgerAccountBriefSerializer()
    score = serializers.IntegerField()
    reason = serializers.CharField()


class MappingRowSerializer(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()
    primary = serializers.CharField()
    ledger_account = LedgerAccountBriefSerializer(allow_null=True)
    inherited = LedgerAccountBriefSerializer(allow_null=True, help_text="Mapped through its primary.")
    suggestion = SuggestionSerializer(allow_null=True)


class MappingSetSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=80)
    ledger_account = serializers.UUIDField(allow_null=True, help_text="null removes the mapping.")


class AcceptedSerializer(serializers.Serializer):
    saved = serializers.IntegerField()


class PushTargetSerializer(serializers.Serializer):
    books_bank_account = serializers.UUIDField()
    source_accounts = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=50)


class PushRequestSerializer(serializers.Serializer):
    since = serializers.DateField(required=False, allow_null=True)


class PushResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    transaction = serializers.CharField()
    date = serializers.DateField()
    amount = serializers.CharField()
    currency = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=PushStatus.choices)
    message = serializers.CharField(allow_blank=True)
    external_id = serializers.CharField(allow_blank=True)


class PushRunSerializer(serializers.ModelSerializer):
    results = PushResultSerializer(many=True, read_only=True)
    changed_nothing = serializers.BooleanField(read_only=True)

    class Meta:
        model = PushRun
        fields = ("id", "created_at", "created", "updated", "unchanged", "conflicts", "skipped", "failed",
                  "provider_writes", "changed_nothing", "error", "results")
        read_only_fields = fields


class PushedItemSerializer(serializers.ModelSerializer):
    organisation = serializers.UUIDField(source="organisation_id", read_only=True)
    transaction = serializers.UUIDField(source="transaction_id", read_only=True, allow_null=True)

    class Meta:
        model = PushedItem
        fields = ("id", "organisation", "reference", "transaction", "external_id", "status", "message", "pushed_at",
                  "conflict_at", "resolution")
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=(("theirs", "Keep theirs"), ("ours", "Use ours")))


class BookPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = BookPayment
        fields = ("id", "paid_on", "amount", "currency", "reference")
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    organisation = serializers.UUIDField(source="organisation_id", read_only=True)
    payments = BookPaymentSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = ("id", "organisation", "kind", "number", "status", "contact_name", "currency", "total", "amount_due",
                  "amount_paid", "issue_date", "due_date", "reference", "payments")
        read_only_fields = fields
