"""`api/v2/` stands for bankaccountdata.gocardless.com/api/v2 (GOCARDLESS_API_URL =
{SITE}/sandbox/gocardless/api/v2) and `psd2/` for the ob.gocardless.com link pages. API paths
end with `/`, as GoCardless's do."""

from django.urls import path

from . import accounts, auth, link, views

app_name = "gocardless"

API = "api/v2/"
urlpatterns = [
    path(f"{API}token/new/", auth.token_new, name="token-new"),
    path(f"{API}token/refresh/", auth.token_refresh, name="token-refresh"),
    path(f"{API}institutions/", views.institutions, name="institutions"),
    path(f"{API}institutions/<str:institution_id>/", views.institution, name="institution"),
    path(f"{API}agreements/enduser/", views.agreements, name="agreements"),
    path(f"{API}agreements/enduser/<str:agreement_id>/", views.agreement, name="agreement"),
    path(f"{API}requisitions/", views.requisitions, name="requisitions"),
    path(f"{API}requisitions/<str:requisition_id>/", views.requisition, name="requisition"),
    path(f"{API}accounts/<str:account_id>/", accounts.account, name="account"),
    path(f"{API}accounts/<str:account_id>/details/", accounts.details, name="account-details"),
    path(f"{API}accounts/<str:account_id>/balances/", accounts.balances, name="account-balances"),
    path(f"{API}accounts/<str:account_id>/transactions/", accounts.transactions, name="account-transactions"),
    path("psd2/start/<uuid:requisition_id>/<str:institution_id>", link.start, name="link"),
    path("psd2/consent/<uuid:requisition_id>/", link.consent, name="consent"),
]
