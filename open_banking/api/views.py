"""Thin views: parse, call a selector or service, serialise. Every queryset is the person's own,
so another user's id is always a 404."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.dateparse import parse_date
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from integrations_core.api.filtering import FilterParamsBackend
from integrations_core.api.lean import lean_plan
from integrations_core.api.serializers import ErrorSerializer
from integrations_core.api.sync_now import sync_now_response
from integrations_core.api.throttles import ConnectionCreateThrottle, SyncRequestThrottle
from integrations_core.api.validation import DATE_RANGE_MESSAGE, EARLIEST_DATE, LATEST_DATE
from integrations_core.selectors import sync_run_observed

from .. import selectors, services
from ..models import MANUAL_PROVIDER, BankAccount, BankConnection, BankTransaction
from .filters import (
    BankAccountFilter,
    BankTransactionFilter,
    InstitutionFilter,
    NameCursorPagination,
    StartedCursorPagination,
    TieBreakOrderingFilter,
    TransactionCursorPagination,
)
from .renderers import CSV_COLUMNS, CSVRenderer, category_label_cell, csv_line
from .serializers import (
    AuthorizationSerializer,
    BalanceSnapshotSerializer,
    BankAccountSerializer,
    BankConnectionSerializer,
    BankTransactionSerializer,
    ConnectionCreateSerializer,
    InstitutionSerializer,
    SyncRequestedSerializer,
    SyncRunSerializer,
)


def _error(code: str, message: str, http_status: int, headers: dict | None = None) -> Response:
    return Response({"error": {"code": code, "message": message, "fields": {}}}, status=http_status,
                    headers=headers)


class InstitutionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Banks a person can connect, per provider and country."""

    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilter
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    pagination_class = NameCursorPagination
    ordering = ("name", "id")
    ordering_fields = ["name"]

    def get_queryset(self):
        return selectors.institution_list()


class BankConnectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                            viewsets.GenericViewSet):
    serializer_class = BankConnectionSerializer
    ordering = ("-created_at",)
    filterset_fields = ["provider", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return BankConnection.objects.none()
        # The manual accounts' connection is no bank: its accounts are in accounts/, flagged manual.
        queryset = selectors.bank_connection_list(self.request.user).exclude(provider=MANUAL_PROVIDER)
        if self.action in ("list", "retrieve"):
            # Never shown, and encrypted: loading them would decrypt three fields per row.
            queryset = queryset.defer(*selectors.CONNECTION_SECRETS)
        return queryset

    def get_throttles(self):
        if self.action == "create":
            return [ConnectionCreateThrottle()]
        if self.action == "sync":
            return [SyncRequestThrottle()]
        return super().get_throttles()

    def _authorization_response(self, authorization, http_status: int) -> Response:
        context = {**self.get_serializer_context(), "authorization_url": authorization.authorization_url}
        return Response(AuthorizationSerializer(authorization.connection, context=context).data, status=http_status)

    @extend_schema(request=ConnectionCreateSerializer, responses={201: AuthorizationSerializer, 503: ErrorSerializer})
    def create(self, request):
        body = ConnectionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            authorization = services.bank_connection_initiate(
                user=request.user, provider_slug=body.validated_data["provider"],
                institution_id=body.validated_data["institution"])
        except services.ConnectError as exc:
            if exc.field:
                raise ValidationError({exc.field: [exc.message]}) from exc
            return _error(exc.code, exc.message, exc.status)
        return self._authorization_response(authorization, status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("delete_data", bool, description="Also delete accounts and "
                                                "transactions (default: keep them).")])
    def destroy(self, request, pk=None):
        """Disconnect: the provider is asked to forget the consent and our tokens are erased."""
        connection = self.get_object()
        delete_data = request.query_params.get("delete_data", "").lower() in ("1", "true", "yes")
        services.bank_connection_revoke(connection, actor=request.user, delete_data=delete_data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: SyncRequestedSerializer, 409: ErrorSerializer,
                                            503: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        return sync_now_response(request, self.get_object(), sync_request=services.bank_connection_sync_request,
                                 body=lambda run: {"status": run.outcome, "sync_run": SyncRunSerializer(run).data})

    @extend_schema(request=None, responses={200: AuthorizationSerializer, 503: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def reconnect(self, request, pk=None):
        connection = self.get_object()
        try:
            authorization = services.bank_connection_reconnect(connection, actor=request.user)
        except services.ConnectError as exc:
            return _error(exc.code, exc.message, exc.status)
        return self._authorization_response(authorization, status.HTTP_200_OK)

    @extend_schema(responses=SyncRunSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="sync-runs", filter_backends=[],
            pagination_class=StartedCursorPagination)
    def sync_runs(self, request, pk=None):
        connection = self.get_object()
        page = self.paginate_queryset(selectors.bank_connection_sync_runs(connection))
        # As each run really stands: a dead worker's run reads as interrupted at once.
        page = [sync_run_observed(run, connection) for run in page]
        return self.get_paginated_response(SyncRunSerializer(page, many=True).data)


class BankAccountViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BankAccountSerializer
    filterset_class = BankAccountFilter
    ordering = ("-created_at",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BankAccount.objects.none()
        # The raw payload and the connection's (encrypted) secrets are never shown.
        return selectors.bank_account_list(self.request.user).defer(
            "raw", *(f"connection__{name}" for name in selectors.CONNECTION_SECRETS))

    @extend_schema(parameters=[OpenApiParameter("from", str, description="YYYY-MM-DD"),
                               OpenApiParameter("to", str, description="YYYY-MM-DD")],
                   responses=BalanceSnapshotSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def balances(self, request, pk=None):
        """Daily balance history, oldest first, as the bank reported it."""
        account = self.get_object()
        history = selectors.balance_history(account, date_from=_date_param(request, "from"),
                                            date_to=_date_param(request, "to"))
        return Response(BalanceSnapshotSerializer(history, many=True).data)


def _date_param(request, name: str):
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = parse_date(raw)
    except ValueError:
        value = None
    if value is None:
        raise ValidationError({name: ["Use a date in YYYY-MM-DD form."]})
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError({name: [DATE_RANGE_MESSAGE]})
    return value


class BankTransactionViewSet(viewsets.ReadOnlyModelViewSet):
    """Transactions across the person's bank accounts (or one account, nested under it).
    ?format=csv exports every row that matches the filters, not only one page."""

    serializer_class = BankTransactionSerializer
    filterset_class = BankTransactionFilter
    filter_backends = [FilterParamsBackend, TieBreakOrderingFilter]
    ordering_fields = ["booked_date", "amount"]
    ordering = ("-booked_date", "-id")
    pagination_class = TransactionCursorPagination
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BankTransaction.objects.none()
        account_id = None
        if "account_pk" in self.kwargs:  # another person's account is a 404, not an empty list
            account_id = self.kwargs["account_pk"]  # a UUID: the URL converter made it one
            if not self._account_checked_after_page:
                account_id = selectors.bank_account_id_get(self.request.user, account_id)
        return selectors.bank_transaction_rows(self.request.user, account_id=account_id)

    # The lean list (integrations_core.api.lean): the page read as values() rows and turned into
    # the serialiser's own output by converters planned once per serialiser class, instead of 50
    # model instances through a field set DRF rebuilds per request (two thirds of a page's CPU).
    # The same JSON byte for byte (tests/open_banking/test_lean_list.py compares both paths);
    # the serialiser still declares the schema and serves everything else.
    lean_list = True
    # Under one account the rows' own query is the person's rows of that account: a page with
    # rows proves the account is theirs, so the lean list asks whether it is (a query) only when
    # the page comes back empty, and answers another person's account with the same 404.
    _account_checked_after_page = False

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", "") == "csv":
            return self._csv(self.filter_queryset(self.get_queryset()))
        if not self.lean_list:
            return super().list(request, *args, **kwargs)
        plan = lean_plan(self.get_serializer_class())
        # The paginator's cursor reads the ordering's columns from the page's last row.
        columns = dict.fromkeys((*plan.columns, *self.ordering_fields, "id"))
        self._account_checked_after_page = "account_pk" in self.kwargs
        rows = self.filter_queryset(self.get_queryset()).values(*columns)
        page = self.paginate_queryset(rows)
        if self._account_checked_after_page and not page:
            selectors.bank_account_id_get(request.user, self.kwargs["account_pk"])  # Http404 if not theirs
        if page is None:
            return Response(plan.represent(rows))
        return self.get_paginated_response(plan.represent(page))

    def _csv(self, queryset) -> StreamingHttpResponse:
        def rows():
            yield csv_line(CSV_COLUMNS)
            for txn in queryset.iterator(chunk_size=2000):
                yield csv_line([txn.booked_date, txn.value_date, txn.listed_account_name, txn.description,
                                txn.merchant_name, txn.amount, txn.currency, txn.transaction_type, txn.status,
                                txn.category, category_label_cell(txn.category), txn.provider_category,
                                txn.running_balance, txn.id])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="transactions.csv"'
        return response
