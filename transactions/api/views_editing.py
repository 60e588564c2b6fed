"""The API for what the editing pages do (issue 18 §2): a transaction's notes, tags, hiding and
split; totals of a filtered list; the person's own categories; budget settings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from transactions.models import CustomCategory, TransactionSplit
from transactions.selectors.listing import transactions_totals
from transactions.selectors.transactions import bank_transactions_for_user
from transactions.services.budgets import budget_settings_get, budget_settings_update
from transactions.services.editing import (
    EditError,
    custom_category_create,
    custom_category_delete,
    custom_category_rename,
    transaction_details_get,
    transaction_edit,
    transaction_split,
    transaction_unsplit,
)
from transactions.user_taxonomy import user_taxonomy

from .serializers_editing import (
    BudgetSettingsSerializer,
    CustomCategorySerializer,
    SplitsRequestSerializer,
    TotalsSerializer,
    TransactionEditedSerializer,
    TransactionEditSerializer,
)


def edited_payload(request, tx) -> dict:
    from .serializers_editing import SplitPartOutSerializer

    details = transaction_details_get(tx)
    return {  # shaped as TransactionEditedSerializer (the schema's), the parts already serialised
        "id": str(tx.pk), "notes": tx.notes, "tags": details.tags, "hidden": details.hidden,
        "excluded_from_budgets": details.excluded_from_budgets,
        # Read afresh: the viewset's queryset prefetched the splits as they were before the edit.
        "splits": SplitPartOutSerializer(TransactionSplit.objects.filter(transaction=tx), many=True,
                                         context={"taxonomy": user_taxonomy(request.user)}).data,
    }


class TransactionEditingMixin:
    """Mixed into TransactionViewSet: its routes are transactions/{id}/details/, .../splits/ and
    transactions/totals/."""

    @extend_schema(summary="Change a transaction's note, tags, hidden or left-out-of-budgets flags",
                   request=TransactionEditSerializer, responses={200: TransactionEditedSerializer})
    @action(detail=True, methods=["patch"], url_path="details")
    def edit_details(self, request, pk=None):
        tx = self.get_object()
        body = TransactionEditSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            transaction_edit(tx, **body.validated_data)
        except EditError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(edited_payload(request, tx))

    @extend_schema(summary="Split a payment across categories (PUT) or remove the split (DELETE)",
                   description="The parts must add up to the payment's amount exactly (Decimal, no rounding), "
                               "each with the payment's sign. Budgets and spending then count the parts.",
                   request=SplitsRequestSerializer, responses={200: TransactionEditedSerializer})
    @action(detail=True, methods=["put", "delete"], url_path="splits")
    def splits(self, request, pk=None):
        tx = self.get_object()
        if request.method == "DELETE":
            transaction_unsplit(tx)
            return Response(edited_payload(request, tx))
        body = SplitsRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            transaction_split(user=request.user, tx=tx, parts=body.validated_data["splits"])
        except EditError as exc:
            raise ValidationError(exc.errors) from exc
        return Response(edited_payload(request, tx))

    @extend_schema(summary="Money in and out of the filtered transactions (every page), per currency",
                   responses={200: TotalsSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request):
        rows = self.filter_queryset(self.get_queryset())
        return Response(TotalsSerializer(transactions_totals(rows), many=True).data)


class CustomCategoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                            mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your own categories, under the taxonomy's (or under another of yours). Deleting one moves
    its transactions back to its parent."""

    serializer_class = CustomCategorySerializer
    pagination_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CustomCategory.objects.none()
        return CustomCategory.objects.filter(user=self.request.user)

    def perform_create(self, serializer):
        try:
            serializer.instance = custom_category_create(user=self.request.user,
                                                         parent=serializer.validated_data["parent"],
                                                         label=serializer.validated_data["label"])
        except EditError as exc:
            raise ValidationError(exc.errors) from exc

    def perform_update(self, serializer):
        if "parent" in serializer.validated_data and serializer.validated_data["parent"] != serializer.instance.parent:
            raise ValidationError({"parent": ["A category cannot move: add a new one and delete this one."]})
        try:
            serializer.instance = custom_category_rename(serializer.instance,
                                                         label=serializer.validated_data.get("label",
                                                                                             serializer.instance.label))
        except EditError as exc:
            raise ValidationError(exc.errors) from exc

    def perform_destroy(self, instance):
        custom_category_delete(instance, transactions=bank_transactions_for_user(self.request.user))


class BudgetSettingsMixin:
    """Mixed into BudgetViewSet: budgets/settings/."""

    @extend_schema(summary="Your budget settings: payday, total monthly budget, pending payments",
                   request=BudgetSettingsSerializer, responses={200: BudgetSettingsSerializer})
    @action(detail=False, methods=["get", "put", "patch"], url_path="settings", filterset_fields=[],
            pagination_class=None, serializer_class=BudgetSettingsSerializer)
    def budget_settings(self, request):
        current = budget_settings_get(request.user)
        if request.method == "GET":
            return Response(BudgetSettingsSerializer(current).data)
        body = BudgetSettingsSerializer(current, data=request.data, partial=request.method == "PATCH")
        body.is_valid(raise_exception=True)
        saved = budget_settings_update(request.user, **body.validated_data)
        return Response(BudgetSettingsSerializer(saved).data, status=status.HTTP_200_OK)
