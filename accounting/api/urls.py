"""Mounted at /api/v1/accounting/ by config/urls.py."""

from rest_framework.routers import DefaultRouter

from .views import BooksConnectionViewSet, InvoiceViewSet, OrganisationViewSet, PushedItemViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("connections", BooksConnectionViewSet, basename="accounting-connection")
router.register("organisations", OrganisationViewSet, basename="accounting-organisation")
router.register("pushed-items", PushedItemViewSet, basename="accounting-pushed-item")
router.register("invoices", InvoiceViewSet, basename="accounting-invoice")

urlpatterns = router.urls
