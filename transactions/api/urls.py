"""Mounted at /api/v1/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .views_budgets import BudgetViewSet, RecurringPaymentViewSet, SpendingSummaryView
from .views_editing import CustomCategoryViewSet
from .views_transactions import CategoryViewSet, RuleViewSet, TransactionViewSet

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ is shared with other apps' routers
router.register("categories", CategoryViewSet, basename="category")
router.register("transactions", TransactionViewSet, basename="transaction")
router.register("rules", RuleViewSet, basename="rule")
router.register("custom-categories", CustomCategoryViewSet, basename="custom-category")
router.register("budgets", BudgetViewSet, basename="budget")
router.register("recurring", RecurringPaymentViewSet, basename="recurring")

urlpatterns = [
    path("spending/summary/", SpendingSummaryView.as_view(), name="spending-summary"),
    *router.urls,
]
