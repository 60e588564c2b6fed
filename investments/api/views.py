"""Thin views over the investment selectors and services: parse, call, serialise. Every query
starts from the person, so another person's id is always a 404 (the API's one error format)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.api.errors import error_body
from integrations_core.api.pagination import TieBreakOrderingFilter
from integrations_core.api.renderers import CSVRenderer, csv_line
from integrations_core.api.serializers import ErrorSerializer
from integrations_core.api.sync_now import sync_now_response
from integrations_core.api.throttles import SyncRequestThrottle
from integrations_core.providers.base import AuthType, Family
from integrations_core.selectors import providers_enabled

from .. import selectors
from ..models import InvestmentAccount, InvestmentConnection, InvestmentTransaction, Security
from ..services.connections import (
    investment_connection_revoke,
    investment_connection_sync_now,
)
from ..services.manual import (
    ManualOnly,
    investment_account_wrapper_set,
    manual_account_create,
    manual_holding_set,
    manual_valuation_set,
)
from .filters import InvestmentTransactionCursorPagination, InvestmentTransactionFilter
from .serializers import (
    AccountCreateSerializer,
    AccountUpdateSerializer,
    DifferenceSerializer,
    HoldingSetSerializer,
    InvestmentAccountSerializer,
    InvestmentConnectionSerializer,
    InvestmentHoldingSerializer,
    InvestmentSyncRequestedSerializer,
    InvestmentTransactionSerializer,
    PlatformSerializer,
    PortfolioTotalSerializer,
    SecuritySerializer,
    ValuationSerializer,
    ValuationSetSerializer,
)

CSV_COLUMNS = ["booked_date", "settle_date", "account_name", "type", "security", "isin", "quantity", "price",
               "price_currency", "amount", "currency", "fees", "taxes", "description", "id"]


def _error(code: str, message: str, http_status: int, headers: dict | None = None) -> Response:
    return Response(error_body(code, message), status=http_status, headers=headers)


def _platform(provider) -> dict:
    return {"slug": provider.slug, "name": provider.name, "logo_url": provider.logo_url,
            "auth_type": str(provider.auth_type),
            "accepts_files": provider.auth_type == AuthType.FILE_UPLOAD or hasattr(provider, "statement_parse"),
            # What each input is, never a value (a secret one is write-only everywhere).
            "credential_fields": [{"name": f.name, "label": f.label, "secret": f.secret, "help_text": f.help_text,
                                   "choices": [list(c) for c in f.choices], "required": f.required}
                                  for f in getattr(provider, "credential_fields", ())]}


class PlatformListView(APIView):
    """Investment platforms a person can connect now (installed, configured, switched on)."""

    @extend_schema(responses=PlatformSerializer(many=True))
    def get(self, request):
        platforms = [_platform(p) for p in providers_enabled() if p.family == Family.INVESTMENTS]
        return Response(PlatformSerializer(platforms, many=True).data)


class InvestmentConnectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                                  viewsets.GenericViewSet):
    serializer_class = InvestmentConnectionSerializer
    ordering = ("-created_at",)
    filterset_fields = ["provider", "status"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InvestmentConnection.objects.none()
        return selectors.investment_connection_list(self.request.user).defer(*selectors.CONNECTION_SECRETS)

    def get_throttles(self):
        return [SyncRequestThrottle()] if self.action == "sync" else super().get_throttles()

    def destroy(self, request, pk=None):
        """Disconnect: credentials and tokens are erased, the accounts are kept as history."""
        investment_connection_revoke(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: InvestmentSyncRequestedSerializer, 409: ErrorSerializer,
                                            503: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        return sync_now_response(request, self.get_object(), sync_request=investment_connection_sync_now,
                                 body=lambda run: InvestmentSyncRequestedSerializer(
                                     {"status": run.outcome, "sync_run": run}).data)


class InvestmentAccountViewSet(viewsets.GenericViewSet):
    """The person's investment accounts with cash, value, book cost and gain; POST creates a
    manual account. A person has a handful of accounts: the list is not paged."""

    serializer_class = InvestmentAccountSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InvestmentAccount.objects.none()
        return selectors.investment_accounts_for(self.request.user)

    def _account(self) -> InvestmentAccount:
        return selectors.investment_account_get(self.request.user, self.kwargs["pk"])

    def _summary(self, account_id):
        return next(s for s in selectors.account_summaries(self.request.user) if s.account.pk == account_id)

    def list(self, request):
        return Response(InvestmentAccountSerializer(selectors.account_summaries(request.user), many=True).data)

    def retrieve(self, request, pk=None):
        return Response(InvestmentAccountSerializer(self._summary(self._account().pk)).data)

    @extend_schema(responses=PortfolioTotalSerializer)
    @action(detail=False, methods=["get"])
    def total(self, request):
        """Every investment account in the person's main currency (or `?currency=`), converted
        at the ECB rates of the snapshots' dates, with the unconverted totals per currency."""
        currency = (request.query_params.get("currency") or "").strip().upper() or None
        if currency is not None and not (len(currency) == 3 and currency.isalpha()):
            raise ValidationError({"currency": ["Give an ISO 4217 code, e.g. GBP."]})
        return Response(PortfolioTotalSerializer(selectors.portfolio_total(request.user, currency=currency)).data)

    @extend_schema(request=AccountUpdateSerializer, responses={200: InvestmentAccountSerializer, 400: ErrorSerializer})
    def partial_update(self, request, pk=None):
        """Say which wrapper (ISA, SIPP, GIA...) an account is: most platforms' APIs do not."""
        account = self._account()  # another person's account is 404 before anything is validated
        body = AccountUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account = investment_account_wrapper_set(account, body.validated_data["wrapper"])
        return Response(InvestmentAccountSerializer(self._summary(account.pk)).data)

    @extend_schema(request=AccountCreateSerializer, responses={201: InvestmentAccountSerializer, 400: ErrorSerializer})
    def create(self, request):
        body = AccountCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account = manual_account_create(request.user, **body.validated_data)
        return Response(InvestmentAccountSerializer(self._summary(account.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], responses=InvestmentHoldingSerializer(many=True))
    @extend_schema(methods=["post"], request=HoldingSetSerializer,
                   responses={200: InvestmentHoldingSerializer(many=True), 400: ErrorSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["get", "post"])
    def holdings(self, request, pk=None):
        """The account's current holdings; POST sets one holding of a manual account (0 removes it)
        and answers with all of them."""
        account = self._account()
        if request.method == "POST":
            body = HoldingSetSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            try:
                manual_holding_set(account, **body.validated_data)
            except ManualOnly as exc:
                return _error(exc.code, exc.message, status.HTTP_409_CONFLICT)
            except ValueError as exc:
                raise ValidationError({"isin": [str(exc)]}) from exc
            account = self._account()
        return Response(InvestmentHoldingSerializer(selectors.account_holdings(account), many=True).data)

    @extend_schema(responses=DifferenceSerializer(many=True))
    @action(detail=True, methods=["get"])
    def reconciliation(self, request, pk=None):
        """Holdings rebuilt from the stored transactions against the platform's, every difference."""
        return Response(DifferenceSerializer(selectors.account_reconciliation(self._account()), many=True).data)

    @extend_schema(methods=["get"], responses=ValuationSerializer(many=True))
    @extend_schema(methods=["post"], request=ValuationSetSerializer,
                   responses={201: ValuationSerializer(many=True), 400: ErrorSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["get", "post"])
    def valuations(self, request, pk=None):
        """The account's value history, oldest first; POST records a manual account's value on a day."""
        account = self._account()
        if request.method == "POST":
            body = ValuationSetSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            try:
                manual_valuation_set(account, body.validated_data["date"], body.validated_data["value"])
            except ManualOnly as exc:
                return _error(exc.code, exc.message, status.HTTP_409_CONFLICT)
            return Response(ValuationSerializer(selectors.account_valuations(account), many=True).data,
                            status=status.HTTP_201_CREATED)
        return Response(ValuationSerializer(selectors.account_valuations(account), many=True).data)


class HoldingListView(APIView):
    """Every current holding across the person's accounts."""

    @extend_schema(responses=InvestmentHoldingSerializer(many=True))
    def get(self, request):
        return Response(InvestmentHoldingSerializer(selectors.holding_rows_for(request.user), many=True).data)


class SecurityViewSet(viewsets.ReadOnlyModelViewSet):
    """Securities the person holds or has traded."""

    serializer_class = SecuritySerializer
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Security.objects.none()
        return selectors.security_list_for(self.request.user)


class InvestmentTransactionViewSet(viewsets.ReadOnlyModelViewSet):
    """Trades and cash movements across the person's investment accounts. ?format=csv exports
    every row that matches the filters, not only one page."""

    serializer_class = InvestmentTransactionSerializer
    filterset_class = InvestmentTransactionFilter
    filter_backends = [DjangoFilterBackend, TieBreakOrderingFilter]
    ordering_fields = ["booked_date", "amount"]
    ordering = ("-booked_date", "-id")
    pagination_class = InvestmentTransactionCursorPagination
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InvestmentTransaction.objects.none()
        return selectors.investment_transaction_list(self.request.user)

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", "") == "csv":
            return self._csv(self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)

    def _csv(self, queryset) -> StreamingHttpResponse:
        def rows():
            yield csv_line(CSV_COLUMNS)
            for txn in queryset.iterator(chunk_size=2000):
                security = txn.security
                yield csv_line([txn.booked_date, txn.settle_date, txn.account.name, txn.type,
                                security.name if security else "", security.isin if security else "", txn.quantity,
                                txn.price, txn.price_currency, txn.amount, txn.currency, txn.fees, txn.taxes,
                                txn.description, txn.id])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="investment-transactions.csv"'
        return response
