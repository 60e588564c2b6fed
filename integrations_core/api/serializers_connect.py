"""Connect and statement-import representations. Credentials are write-only: no response,
error or schema example ever holds one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations_core.models import StatementImport

from .serializers import ConnectionSummarySerializer


class ConnectRequestSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=50)
    institution = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    credentials = serializers.DictField(
        child=serializers.CharField(max_length=2000, allow_blank=True, trim_whitespace=True),
        required=False, write_only=True,
        help_text="API-key providers: the fields the provider's `fields` list names. Checked with the "
                  "provider before anything is stored; never shown again.")


class CredentialFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    secret = serializers.BooleanField()
    help_text = serializers.CharField()
    required = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="1-based line in the file (header lines count).")
    column = serializers.CharField(help_text="The column's header; empty for the whole row or file.")
    message = serializers.CharField()


class StatementImportSerializer(serializers.ModelSerializer):
    errors = RowErrorSerializer(many=True, read_only=True)
    summary = serializers.SerializerMethodField(help_text="What confirming would import.")

    class Meta:
        model = StatementImport
        fields = ["id", "provider", "filename", "size", "status", "rows", "errors", "summary", "added",
                  "unchanged", "connection_id", "created_at", "expires_at", "imported_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_summary(self, obj: StatementImport):
        from integrations_core.services.statements import statement_parsed

        parsed = statement_parsed(obj)
        if parsed is None:
            return None
        return {"account": parsed.account.name, "currency": parsed.account.currency,
                "securities": len(parsed.securities), "transactions": len(parsed.transactions),
                "holdings": len(parsed.snapshot.holdings) if parsed.snapshot else 0,
                "cash_transactions": len(parsed.cash_transactions)}


class ConnectStepSerializer(serializers.Serializer):
    """What to do next: `redirect` (send the person to `authorization_url`), `form` (ask for
    `fields`, then POST again with `credentials`), `upload` (POST the file to `upload_url`), or
    `none` (connected)."""

    next = serializers.ChoiceField(choices=["redirect", "form", "upload", "none"])
    connection = ConnectionSummarySerializer(allow_null=True)
    authorization_url = serializers.CharField(allow_blank=True)
    upload_url = serializers.CharField(allow_blank=True)
    client_token = serializers.CharField(
        allow_blank=True, help_text="Token-exchange providers (Plaid): the token a mobile SDK opens the provider's "
                                    "widget with. Send the public token it returns to /connections/{id}/complete/ "
                                    "as `code`, with `state`.")
    state = serializers.CharField(allow_blank=True, help_text="Token-exchange providers: the state to complete with.")
    fields = CredentialFieldSerializer(many=True)
    statement_import = StatementImportSerializer(allow_null=True)


class StatementImportCreateSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=50)
    file = serializers.FileField(allow_empty_file=False, max_length=255)


class StatementImportConfirmSerializer(serializers.Serializer):
    connection = serializers.UUIDField(required=False, allow_null=True, default=None,
                                       help_text="One of your connections to this platform (default: yours, "
                                                 "created on the first import).")
