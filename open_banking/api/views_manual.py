"""Manual accounts in the API (issue 18 §2): what the account page does. They are listed with
every other account at accounts/ (flagged `is_manual`); here they are added, re-balanced, given
transactions and deleted. Anyone else's id is a 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from transactions.user_taxonomy import user_taxonomy

from .. import selectors
from ..models import MANUAL_PROVIDER, BankAccount
from ..services import manual as manual_services
from .serializers import (
    BankAccountSerializer,
    BankTransactionSerializer,
    ManualAccountCreateSerializer,
    ManualBalanceSerializer,
    ManualTransactionCreateSerializer,
)


class ManualAccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                           viewsets.GenericViewSet):
    serializer_class = BankAccountSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BankAccount.objects.none()
        return selectors.bank_account_list(self.request.user).filter(connection__provider=MANUAL_PROVIDER) \
            .defer("raw", *(f"connection__{name}" for name in selectors.CONNECTION_SECRETS)).order_by("name")

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(summary="Add a manual account", request=ManualAccountCreateSerializer,
                   responses={201: BankAccountSerializer})
    def create(self, request):
        body = ManualAccountCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        account = manual_services.manual_account_create(user=request.user, **body.validated_data)
        account = self.get_queryset().get(pk=account.pk)
        return Response(BankAccountSerializer(account).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Delete a manual account with its history and transactions", responses={204: None})
    def destroy(self, request, pk=None):
        manual_services.manual_account_delete(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Set a manual account's balance (kept in its daily history)",
                   request=ManualBalanceSerializer, responses={200: BankAccountSerializer})
    @action(detail=True, methods=["post"])
    def balance(self, request, pk=None):
        account = self.get_object()
        body = ManualBalanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        manual_services.manual_account_balance_update(account, balance=body.validated_data["balance"])
        return Response(BankAccountSerializer(self.get_object()).data)

    @extend_schema(summary="Add a transaction to a manual account", request=ManualTransactionCreateSerializer,
                   responses={201: BankTransactionSerializer})
    @action(detail=True, methods=["post"])
    def transactions(self, request, pk=None):
        account = self.get_object()
        body = ManualTransactionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        category = body.validated_data.get("category") or ""
        if category and not user_taxonomy(request.user).is_valid(category):
            raise ValidationError({"category": [f"“{category}” is not a category code."]})
        tx = manual_services.manual_transaction_create(account, **body.validated_data)
        return Response(BankTransactionSerializer(tx).data, status=status.HTTP_201_CREATED)
