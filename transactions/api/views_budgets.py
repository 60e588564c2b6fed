"""Budgets, their alerts, spending summaries for charts, and recurring payments."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations_core.api.pagination import CreatedCursorPagination
from transactions.models import Budget, BudgetAlert, RecurringPayment
from transactions.selectors.spending import spending_summary, user_main_currency
from transactions.services.alerts import budget_alerts_mark_read
from transactions.services.budgets import (
    budget_alerts_check,
    budget_create,
    budget_settings_get,
    budget_summary,
    budget_update,
    period_containing,
)
from transactions.services.recurring import recurring_detect

from .serializers import (
    AlertsReadSerializer,
    BudgetAlertSerializer,
    BudgetSerializer,
    BudgetSummaryQuerySerializer,
    BudgetSummarySerializer,
    CountSerializer,
    RecurringPaymentSerializer,
    SpendingQuerySerializer,
    SpendingSummarySerializer,
)
from .views_editing import BudgetSettingsMixin


class BudgetViewSet(BudgetSettingsMixin, viewsets.ModelViewSet):
    """Monthly budgets per category (a primary code covers all its detailed codes)."""

    serializer_class = BudgetSerializer
    ordering_fields: list[str] = []
    filterset_fields = ["category", "currency"]
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Budget.objects.none()
        return Budget.objects.filter(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = budget_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = budget_update(serializer.instance, **serializer.validated_data)

    @extend_schema(summary="Cap, spent and remaining per budget for a month",
                   parameters=[OpenApiParameter("month", str, description="YYYY-MM; this month when omitted")],
                   responses={200: BudgetSummarySerializer})
    @action(detail=False, methods=["get"], filterset_fields=[], pagination_class=None)
    def summary(self, request):
        query = BudgetSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(BudgetSummarySerializer(budget_summary(user=request.user,
                                                               month=self._month(query))).data)

    def _month(self, query) -> date:
        """The month asked for, else the one whose budget period today is in (with a payday on the
        25th, 3 December is in November's period)."""
        if query.validated_data.get("month"):
            return query.validated_data["month"]
        return period_containing(timezone.localdate(), budget_settings_get(self.request.user).payday)[0].replace(day=1)

    @extend_schema(summary="Budget alerts (80% and 100% reached)",
                   parameters=[OpenApiParameter("unread", bool, description="Only alerts not yet read")],
                   responses={200: BudgetAlertSerializer(many=True)})
    @action(detail=False, methods=["get"], filterset_fields=[])
    def alerts(self, request):
        # Bring this month's alerts up to date first: a budget created or raised since the last
        # sync shows the right state without waiting for the nightly check.
        budget_alerts_check(user=request.user)
        alerts = BudgetAlert.objects.filter(user=request.user).select_related("budget")
        if request.query_params.get("unread") in ("true", "1"):
            alerts = alerts.filter(read_at__isnull=True)
        page = self.paginate_queryset(alerts)
        return self.get_paginated_response(BudgetAlertSerializer(page, many=True).data)

    @extend_schema(summary="Mark budget alerts as read", request=AlertsReadSerializer,
                   responses={200: CountSerializer})
    @action(detail=False, methods=["post"], url_path="alerts/read", filterset_fields=[])
    def alerts_read(self, request):
        body = AlertsReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data.get("ids") or None
        return Response({"count": budget_alerts_mark_read(user=request.user, ids=ids)})


class SpendingSummaryView(APIView):
    """Spending for charts: booked, categorised, non-transfer money out, less refunds."""

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD; first day of this month when omitted"),
            OpenApiParameter("to", str, description="YYYY-MM-DD; today when omitted"),
            OpenApiParameter("group_by", str, enum=["category", "merchant", "month"], default="category"),
            OpenApiParameter("level", str, enum=["primary", "detailed"], default="primary"),
            OpenApiParameter("currency", str, description="ISO 4217; your main currency when omitted"),
        ],
        responses={200: SpendingSummarySerializer},
    )
    def get(self, request):
        query = SpendingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        summary = spending_summary(
            request.user, date_from=params["date_from"], date_to=params["date_to"],
            currency=params.get("currency") or user_main_currency(request.user), group_by=params["group_by"],
            level=params["level"])
        return Response(SpendingSummarySerializer(summary).data)


class RecurringPagination(CreatedCursorPagination):
    ordering = ("next_expected_date", "created_at")


class RecurringPaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Detected subscriptions, bills and regular income with the next expected date and amount."""

    serializer_class = RecurringPaymentSerializer
    pagination_class = RecurringPagination
    ordering_fields: list[str] = []
    filterset_fields = ["kind", "direction", "frequency", "is_active"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RecurringPayment.objects.none()
        return RecurringPayment.objects.filter(user=self.request.user)

    @extend_schema(summary="Detect recurring payments now", request=None,
                   responses={200: RecurringPaymentSerializer(many=True)})
    @action(detail=False, methods=["post"], filterset_fields=[], pagination_class=None)
    def refresh(self, request):
        found = recurring_detect(user=request.user)
        return Response(RecurringPaymentSerializer(found, many=True).data)
