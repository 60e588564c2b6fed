"""Bank statement imports over the API: upload (with the bank, the account, a CSV's columns and
the date order) -> preview with row errors and each row's state -> change the columns -> confirm.
The same steps as the web page (web/views_bank_imports.py), through the same services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.api.serializers import ErrorSerializer
from integrations_core.api.serializers_connect import RowErrorSerializer
from integrations_core.api.throttles import StatementImportThrottle
from integrations_core.api.views_connect import connect_error_response
from integrations_core.models import StatementImport
from integrations_core.services.statements import StatementError, statement_options

from ..models import BankStatementMapping
from ..services import statement_imports as imports
from ..statements import FORMATS

ERRORS = {400: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer, 410: ErrorSerializer,
          413: ErrorSerializer, 503: ErrorSerializer}
DATE_ORDERS = [("auto", "Found from the file (QIF)"), ("dmy", "Day first (UK)"), ("mdy", "Month first (US)"),
               ("ymd", "Year first")]
MAPPING_DATE_ORDERS = DATE_ORDERS[1:]  # a CSV's dates are read in one stated order


class ColumnMappingSerializer(serializers.Serializer):
    """A CSV's columns: header names per role. Either `amount`, or `debit` (money out) and/or
    `credit` (money in)."""

    date = serializers.CharField(required=False, allow_blank=True, max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=100)
    amount = serializers.CharField(required=False, allow_blank=True, max_length=100)
    debit = serializers.CharField(required=False, allow_blank=True, max_length=100)
    credit = serializers.CharField(required=False, allow_blank=True, max_length=100)
    balance = serializers.CharField(required=False, allow_blank=True, max_length=100)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    value_date = serializers.CharField(required=False, allow_blank=True, max_length=100)
    date_order = serializers.ChoiceField(choices=MAPPING_DATE_ORDERS, required=False)
    decimal_comma = serializers.BooleanField(required=False)


class BankStatementUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    bank = serializers.CharField(max_length=100, help_text="The bank's name: its CSV columns are kept under it.")
    account = serializers.UUIDField(required=False, allow_null=True, default=None,
                                    help_text="One of your bank accounts to import into (synced ones included: "
                                              "rows the bank already reported are skipped). Empty: an account "
                                              "of the file's own.")
    account_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    format = serializers.ChoiceField(choices=["", *FORMATS], required=False, default="",
                                     help_text="Empty: found from the file.")
    date_order = serializers.ChoiceField(choices=DATE_ORDERS, required=False, default="auto")
    mapping = serializers.JSONField(required=False, default=None, binary=True,
                                    help_text="CSV only: ColumnMapping as JSON. Empty: the bank's saved "
                                              "mapping, else a guess from the headers.")

    def validate_mapping(self, value):
        if value in (None, "", {}):
            return None
        checked = ColumnMappingSerializer(data=value)
        checked.is_valid(raise_exception=True)
        return checked.validated_data


class RemapSerializer(serializers.Serializer):
    mapping = ColumnMappingSerializer(required=False, allow_null=True, default=None)
    date_order = serializers.ChoiceField(choices=DATE_ORDERS, required=False, default="")


class PreviewRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    booked_date = serializers.DateField()
    value_date = serializers.DateField(allow_null=True)
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=True)
    currency = serializers.CharField()
    state = serializers.ChoiceField(choices=["new", "duplicate", "imported"],
                                    help_text="new: confirming adds it; duplicate: the bank already reported this "
                                              "payment (a synced row); imported: an earlier file brought it.")


class BankStatementImportSerializer(serializers.ModelSerializer):
    errors = RowErrorSerializer(many=True, read_only=True)
    options = serializers.SerializerMethodField(help_text="The format, the bank, the account, a CSV's headers "
                                                           "and the mapping it was read with, the date order.")
    preview = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()

    class Meta:
        model = StatementImport
        fields = ["id", "filename", "size", "status", "rows", "errors", "options", "counts", "preview", "added",
                  "unchanged", "connection_id", "created_at", "expires_at", "imported_at"]
        read_only_fields = fields

    def _rows(self, obj):
        cache = self.context.setdefault("rows", {})
        if obj.pk not in cache:
            cache[obj.pk] = imports.bank_statement_rows(obj)
        return cache[obj.pk]

    @extend_schema_field(serializers.DictField())
    def get_options(self, obj) -> dict:
        options = statement_options(obj)
        return {k: options.get(k) for k in ("format", "bank", "account", "account_name", "headers", "mapping",
                                            "date_order") if k in options}

    @extend_schema_field(PreviewRowSerializer(many=True))
    def get_preview(self, obj) -> list[dict]:
        return PreviewRowSerializer(self._rows(obj), many=True).data

    @extend_schema_field(serializers.DictField(help_text="new, duplicate, imported; money_in/out of the new rows"))
    def get_counts(self, obj) -> dict:
        summary = imports.preview_summary(self._rows(obj))
        return {**summary, "money_in": str(summary["money_in"]), "money_out": str(summary["money_out"])}


class BankStatementMappingSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankStatementMapping
        fields = ["id", "bank", "columns", "updated_at"]
        read_only_fields = fields


def _mine(request, pk) -> StatementImport:
    provider = imports.bank_file_provider()
    return get_object_or_404(StatementImport, pk=pk, user=request.user,
                             provider=provider.slug if provider else "-")


class BankStatementImportCreateView(APIView):
    """Upload a bank statement (CSV, OFX/QFX, QIF, CAMT.053): it is read and previewed, each
    row with its state and every row it could not read (line, column, message). Nothing is
    imported until confirmed."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [StatementImportThrottle]

    @extend_schema(request={"multipart/form-data": BankStatementUploadSerializer},
                   responses={201: BankStatementImportSerializer, **ERRORS})
    def post(self, request):
        body = BankStatementUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        account = imports.importable_account_get(request.user, data["account"]) if data["account"] else None
        upload = data["file"]
        try:
            preview = imports.bank_statement_file_preview(
                request.user, file=upload, bank=data["bank"], account=account,
                account_name=data["account_name"], mapping=data["mapping"], date_order=data["date_order"],
                file_format=data["format"])
        except StatementError as exc:
            return connect_error_response(exc)
        return Response(BankStatementImportSerializer(preview).data, status=status.HTTP_201_CREATED)


class BankStatementImportDetailView(APIView):
    @extend_schema(responses={200: BankStatementImportSerializer, 404: ErrorSerializer})
    def get(self, request, pk):
        return Response(BankStatementImportSerializer(_mine(request, pk)).data)


class BankStatementImportRemapView(APIView):
    """Read the same file again with other CSV columns or another date order (a new preview
    replaces this one; the columns are saved for the bank when they read the file cleanly)."""

    throttle_classes = [StatementImportThrottle]

    @extend_schema(request=RemapSerializer, responses={201: BankStatementImportSerializer, **ERRORS})
    def post(self, request, pk):
        statement_import = _mine(request, pk)
        body = RemapSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            fresh = imports.bank_statement_remap(statement_import, mapping=body.validated_data["mapping"],
                                                 date_order=body.validated_data["date_order"])
        except StatementError as exc:
            return connect_error_response(exc)
        return Response(BankStatementImportSerializer(fresh).data, status=status.HTTP_201_CREATED)


class BankStatementImportConfirmView(APIView):
    """Import a previewed file: new rows are added, the bank's own rows and rows an earlier file
    brought are left as they are. Refused (nothing changes) when the file has errors, the preview
    has expired or the same file is already imported."""

    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=None, responses={200: BankStatementImportSerializer, **ERRORS})
    def post(self, request, pk):
        try:
            imported = imports.bank_statement_confirm(_mine(request, pk))
        except StatementError as exc:
            return connect_error_response(exc)
        return Response(BankStatementImportSerializer(imported).data)


class BankStatementMappingListView(APIView):
    @extend_schema(responses={200: BankStatementMappingSerializer(many=True)})
    def get(self, request):
        return Response(BankStatementMappingSerializer(imports.mapping_list(request.user), many=True).data)


class BankStatementMappingDetailView(APIView):
    @extend_schema(responses={204: None, 404: ErrorSerializer})
    def delete(self, request, pk):
        get_object_or_404(imports.mapping_list(request.user), pk=pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
