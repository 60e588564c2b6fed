"""Mounted at /api/v1/pensions/ by config/urls.py: register/... and requests/..."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import InformationRequestViewSet, SchemeSearchView, SchemeViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("register/schemes", SchemeViewSet, basename="pension-scheme")
router.register("requests", InformationRequestViewSet, basename="pension-information-request")

urlpatterns = [
    path("register/search/", SchemeSearchView.as_view(), name="pension-scheme-search"),
    *router.urls,
]
