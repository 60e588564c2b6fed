from django.urls import path
from rest_framework.routers import DefaultRouter

from investments.tax.api import CgtReportView, IncomeReportView

from .views import (
    HoldingListView,
    InvestmentAccountViewSet,
    InvestmentConnectionViewSet,
    InvestmentTransactionViewSet,
    PlatformListView,
    SecurityViewSet,
)
from .views_performance import AllocationView, ReturnsView, ValueHistoryView

router = DefaultRouter()
router.include_root_view = False
router.register("connections", InvestmentConnectionViewSet, basename="investment-connection")
router.register("accounts", InvestmentAccountViewSet, basename="investment-account")
router.register("transactions", InvestmentTransactionViewSet, basename="investment-transaction")
router.register("securities", SecurityViewSet, basename="investment-security")

urlpatterns = [
    path("platforms/", PlatformListView.as_view(), name="investment-platform-list"),
    path("holdings/", HoldingListView.as_view(), name="investment-holding-list"),
    path("tax/cgt/", CgtReportView.as_view(), name="investment-tax-cgt"),
    path("tax/income/", IncomeReportView.as_view(), name="investment-tax-income"),
    path("returns/", ReturnsView.as_view(), name="investment-returns"),
    path("returns/history/", ValueHistoryView.as_view(), name="investment-value-history"),
    path("allocation/", AllocationView.as_view(), name="investment-allocation"),
    *router.urls,
]
