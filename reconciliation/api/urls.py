"""Mounted at /api/v1/reconciliation/ by config/urls.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import BusinessSummaryView, MatchViewSet, RunView, UnmatchedView

router = DefaultRouter()
router.include_root_view = False
router.register("matches", MatchViewSet, basename="recon-match")

urlpatterns = [
    path("unmatched/", UnmatchedView.as_view(), name="recon-unmatched"),
    path("run/", RunView.as_view(), name="recon-run"),
    path("business-summary/", BusinessSummaryView.as_view(), name="recon-business-summary"),
    *router.urls,
]
