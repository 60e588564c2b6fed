"""Mounted at /api/v1/payments/ by config/urls.py."""

from rest_framework.routers import DefaultRouter

from .views import (
    BalanceTransactionViewSet,
    DisputeViewSet,
    PaymentsConnectionViewSet,
    PayoutViewSet,
    ProcessorBalanceViewSet,
)

router = DefaultRouter()
router.include_root_view = False
router.register("balances", ProcessorBalanceViewSet, basename="payments-balance")
router.register("balance-transactions", BalanceTransactionViewSet, basename="payments-balance-transaction")
router.register("payouts", PayoutViewSet, basename="payments-payout")
router.register("disputes", DisputeViewSet, basename="payments-dispute")
router.register("connections", PaymentsConnectionViewSet, basename="payments-connection")

urlpatterns = router.urls
