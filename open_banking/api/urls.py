from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import BankAccountViewSet, BankConnectionViewSet, BankTransactionViewSet, InstitutionViewSet
from .views_manual import ManualAccountViewSet

router = DefaultRouter()
router.register("institutions", InstitutionViewSet, basename="bank-institution")
router.register("connections", BankConnectionViewSet, basename="bank-connection")
router.register("accounts", BankAccountViewSet, basename="bank-account")
router.register("manual-accounts", ManualAccountViewSet, basename="manual-account")
router.register("transactions", BankTransactionViewSet, basename="bank-transaction")

urlpatterns = [
    path("accounts/<uuid:account_pk>/transactions/",
         BankTransactionViewSet.as_view({"get": "list"}), name="bank-account-transactions"),
    *router.urls,
]
