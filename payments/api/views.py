"""The payments API, read-only: the person's processor balances, balance transactions (with
filters), payouts with what each carried, and disputes. Thin: a selector finds the rows through
the person (anyone else's id is a 404), a serializer shapes them. Connecting and syncing are
the core's generic /api/v1/connections/ routes."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations_core.api.serializers import ErrorSerializer
from integrations_core.api.sync_now import sync_now_response
from integrations_core.api.throttles import SyncRequestThrottle
from integrations_core.services.connections import connection_revoke

from .. import selectors
from ..models import BalanceTransaction, Dispute, PaymentsConnection, Payout, ProcessorAccount
from .filters import BalanceTransactionFilter, BalanceTransactionPagination, PayoutFilter, PayoutPagination
from .serializers import (
    BalanceTransactionSerializer,
    DisputeSerializer,
    PaymentsConnectionSerializer,
    PaymentsSyncRequestedSerializer,
    PayoutDetailSerializer,
    PayoutSerializer,
    ProcessorBalanceSerializer,
)


class ProcessorBalanceViewSet(viewsets.ReadOnlyModelViewSet):
    """One balance per processor and settlement currency: held, available, still settling."""

    serializer_class = ProcessorBalanceSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProcessorAccount.objects.none()
        return selectors.processor_accounts(self.request.user)


class BalanceTransactionViewSet(viewsets.ReadOnlyModelViewSet):
    """Every movement of the person's processor balances, newest first, with the fee split."""

    serializer_class = BalanceTransactionSerializer
    filterset_class = BalanceTransactionFilter
    pagination_class = BalanceTransactionPagination
    ordering_fields: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BalanceTransaction.objects.none()
        return selectors.balance_transactions(self.request.user)


class PayoutViewSet(viewsets.ReadOnlyModelViewSet):
    """Payouts to the bank; one payout shows the totals of what it carried, and
    /transactions/ lists them."""

    filterset_class = PayoutFilter
    pagination_class = PayoutPagination
    ordering_fields: list = []

    def get_serializer_class(self):
        return PayoutDetailSerializer if self.action == "retrieve" else PayoutSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Payout.objects.none().annotate(transaction_count=Count("balance_transactions"))
        return selectors.payouts(self.request.user)

    @extend_schema(responses=BalanceTransactionSerializer(many=True),
                   parameters=[OpenApiParameter("cursor", str, description="The page cursor.")])
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=BalanceTransactionPagination)
    def transactions(self, request, pk=None):
        payout = get_object_or_404(self.get_queryset(), pk=pk)
        rows = selectors.payout_contents(payout)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(BalanceTransactionSerializer(page, many=True).data)


class DisputeViewSet(viewsets.ReadOnlyModelViewSet):
    """Disputes, open ones first by evidence deadline."""

    serializer_class = DisputeSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Dispute.objects.none()
        return selectors.disputes(self.request.user)


class PaymentsConnectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                                viewsets.GenericViewSet):
    """The person's processor connections. DELETE disconnects (the processor is told where it
    can be: Stripe's /oauth/deauthorize; keys and tokens are erased; the history stays)."""

    serializer_class = PaymentsConnectionSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PaymentsConnection.objects.none()
        return (PaymentsConnection.objects.filter(user=self.request.user)
                .defer("access_token", "refresh_token", "credentials").order_by("-created_at"))

    def get_throttles(self):
        return [SyncRequestThrottle()] if self.action == "sync" else super().get_throttles()

    def destroy(self, request, pk=None):
        connection_revoke(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: PaymentsSyncRequestedSerializer, 409: ErrorSerializer,
                                            503: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        return sync_now_response(request, self.get_object(), body=lambda run: PaymentsSyncRequestedSerializer(
            {"status": run.outcome, "sync_run": run}).data)
