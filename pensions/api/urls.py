"""Mounted at /api/v1/pensions/ by config/urls.py, beside the finder's register/ and requests/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import (
    ConsentView,
    PensionConnectionViewSet,
    PensionConnectView,
    PensionViewSet,
    ProjectionView,
    StatePensionView,
)

router = DefaultRouter()
router.include_root_view = False
router.register("accounts", PensionViewSet, basename="pension-account")
router.register("connections", PensionConnectionViewSet, basename="pension-connection")

urlpatterns = [
    path("connect/", PensionConnectView.as_view(), name="pension-connect"),
    path("consents/", ConsentView.as_view(), name="pension-consents"),
    path("state-pension/", StatePensionView.as_view(), name="pension-state-pension"),
    path("projection/", ProjectionView.as_view(), name="pension-projection"),
    *router.urls,
]
