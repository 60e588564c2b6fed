"""Categories, the user's transactions (with recategorisation) and rules. Views are thin: they
validate, call a service or selector, and shape the response."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from integrations_core.api.pagination import CreatedCursorPagination
from integrations_core.api.validation import DATE_FILTER
from transactions.categoriser.answers import SOURCE_USER
from transactions.models import Category, CategoryRule
from transactions.selectors.amounts import HELP as AMOUNT_HELP
from transactions.selectors.amounts import AmountQueryError
from transactions.selectors.listing import transactions_refine
from transactions.selectors.transactions import bank_transactions_for_user, transaction_model
from transactions.services.categorisation import categoriser_for_user, review_below, tx_input
from transactions.services.corrections import transaction_recategorise
from transactions.services.rules import rule_apply, rule_create, rule_preview, rule_update
from transactions.taxonomy import codes_under
from transactions.user_taxonomy import user_taxonomy

from .serializers import (
    CategorySerializer,
    RecategoriseQuerySerializer,
    RecategoriseResponseSerializer,
    RecategoriseSerializer,
    RuleApplySerializer,
    RulePreviewSerializer,
    RuleSerializer,
    TransactionDetailSerializer,
    TransactionSerializer,
)
from .views_editing import TransactionEditingMixin

PREVIEW_LIMIT = 200


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The taxonomy: Plaid PFC v2 codes plus the UK additions, with labels and icons."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Z_]+"
    pagination_class = None
    filterset_fields = ["primary", "kind"]


class BookedDateCursorPagination(CreatedCursorPagination):
    ordering = ("-booked_date", "-created_at")


class TransactionFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(method="filter_category", help_text="A primary or detailed code.")
    account = django_filters.UUIDFilter(field_name="account_id")
    date_from = django_filters.DateFilter(field_name="booked_date", lookup_expr="gte", **DATE_FILTER)
    date_to = django_filters.DateFilter(field_name="booked_date", lookup_expr="lte", **DATE_FILTER)
    source = django_filters.CharFilter(field_name="category_source")
    needs_review = django_filters.BooleanFilter(method="filter_needs_review")
    amount = django_filters.CharFilter(method="filter_amount", help_text=AMOUNT_HELP)
    tag = django_filters.CharFilter(method="filter_tag", help_text="Rows with this tag.")
    hidden = django_filters.ChoiceFilter(method="filter_hidden", choices=[("include", "include"), ("only", "only")],
                                         help_text="Hidden rows are left out unless include or only.")

    def filter_category(self, queryset, name, value):
        codes = user_taxonomy(self.request.user).codes_under(value) if self.request else codes_under(value)
        return queryset.filter(category__in=codes or [value])

    def filter_amount(self, queryset, name, value):
        try:
            return transactions_refine(queryset, amount=value, hidden="include")
        except AmountQueryError as exc:
            raise ValidationError({"amount": [str(exc)]}) from exc

    def filter_tag(self, queryset, name, value):
        return transactions_refine(queryset, tag=value, hidden="include")

    def filter_hidden(self, queryset, name, value):
        return queryset  # applied by the viewset's lists, so leaving it out hides hidden rows too

    def filter_needs_review(self, queryset, name, value):
        low = Q(category="") | Q(category_confidence__isnull=True) | Q(category_confidence__lt=review_below())
        return queryset.filter(low) if value else queryset.exclude(low)


@extend_schema_view(
    list=extend_schema(summary="Your bank transactions, newest first"),
    retrieve=extend_schema(summary="One transaction, with why it has its category",
                           responses=TransactionDetailSerializer),
)
class TransactionViewSet(TransactionEditingMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    serializer_class = TransactionSerializer
    pagination_class = BookedDateCursorPagination
    filterset_class = TransactionFilter
    ordering_fields: list[str] = []
    http_method_names = ["get", "patch", "put", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return transaction_model().objects.none()
        return (bank_transactions_for_user(self.request.user).select_related("account", "details")
                .prefetch_related("splits"))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "review_below": review_below()}

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.detail:  # a hidden row is still the person's to open and edit
            return queryset
        hidden = self.request.query_params.get("hidden", "")
        return transactions_refine(queryset, hidden=hidden if hidden in ("include", "only") else "")

    def retrieve(self, request, *args, **kwargs):
        tx = self.get_object()
        if tx.category_source == SOURCE_USER:
            explanation = [{"step": SOURCE_USER, "category": tx.category, "confidence": 1.0,
                            "reason": "You chose this category", "chosen": True}]
        else:
            explanation = categoriser_for_user(request.user).explain(tx_input(
                {f: getattr(tx, f) for f in ("description", "merchant_name", "amount", "currency", "mcc",
                                             "provider_category", "account_id")}))
        context = {**self.get_serializer_context(), "explanation": explanation}
        return Response(TransactionDetailSerializer(tx, context=context).data)

    @extend_schema(
        summary="Recategorise a transaction",
        description="Locks the category against rules and future syncs and teaches the categoriser this "
                    "merchant at once. `apply_to_similar=true` also recategorises your other transactions from "
                    "the same merchant; `create_rule=true` saves the suggested rule.",
        parameters=[OpenApiParameter("apply_to_similar", bool, default=False),
                    OpenApiParameter("create_rule", bool, default=False)],
        request=RecategoriseSerializer, responses={200: RecategoriseResponseSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        tx = self.get_object()
        body = RecategoriseSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        query = RecategoriseQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = transaction_recategorise(user=request.user, tx=tx, category=body.validated_data["category"],
                                          **query.validated_data)
        data = TransactionSerializer(result.transaction, context=self.get_serializer_context()).data
        data.update(similar_updated=result.similar_updated, suggested_rule=result.suggested_rule,
                    rule_id=str(result.rule.pk) if result.rule else None)
        return Response(data)


class RulePagination(CreatedCursorPagination):
    ordering = ("priority", "created_at")


class RuleViewSet(viewsets.ModelViewSet):
    """Your categorisation rules. Lower `priority` runs first; all set conditions must match."""

    serializer_class = RuleSerializer
    pagination_class = RulePagination
    ordering_fields: list[str] = []
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CategoryRule.objects.none()
        return CategoryRule.objects.filter(user=self.request.user).select_related("account")

    def perform_create(self, serializer):
        serializer.instance = rule_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = rule_update(serializer.instance, **serializer.validated_data)

    @extend_schema(summary="Which transactions a rule would change", request=RuleSerializer,
                   responses={200: RulePreviewSerializer})
    @action(detail=False, methods=["post"])
    def preview(self, request):
        body = RuleSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        spec = CategoryRule(user=request.user, **body.validated_data).as_spec()
        matches = rule_preview(user=request.user, spec=spec)
        return Response(RulePreviewSerializer({"count": len(matches), "matches": [
            {"id": m.row["id"], "booked_date": m.row.get("booked_date"), "description": m.row["description"],
             "amount": m.row["amount"], "currency": m.row["currency"], "current_category": m.row["category"],
             "new_category": m.new_category} for m in matches[:PREVIEW_LIMIT]]}).data)

    @extend_schema(summary="Apply a rule to your past transactions", request=None,
                   responses={200: RuleApplySerializer})
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        rule = self.get_object()
        return Response(RuleApplySerializer({"changed": rule_apply(rule)}).data, status=status.HTTP_200_OK)
