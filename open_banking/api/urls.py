from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views_statements as statements
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
    path("statement-imports/", statements.BankStatementImportCreateView.as_view(), name="bank-statement-import-create"),
    path("statement-imports/<uuid:pk>/", statements.BankStatementImportDetailView.as_view(),
         name="bank-statement-import-detail"),
    path("statement-imports/<uuid:pk>/remap/", statements.BankStatementImportRemapView.as_view(),
         name="bank-statement-import-remap"),
    path("statement-imports/<uuid:pk>/confirm/", statements.BankStatementImportConfirmView.as_view(),
         name="bank-statement-import-confirm"),
    path("statement-mappings/", statements.BankStatementMappingListView.as_view(), name="bank-statement-mappings"),
    path("statement-mappings/<uuid:pk>/", statements.BankStatementMappingDetailView.as_view(),
         name="bank-statement-mapping-detail"),
    *router.urls,
]
