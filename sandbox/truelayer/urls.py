"""Two hosts under one prefix: `auth/` stands for auth.truelayer.com and `api/` for
api.truelayer.com, so TRUELAYER_AUTH_URL={SITE}/sandbox/truelayer/auth and
TRUELAYER_API_URL={SITE}/sandbox/truelayer/api. Paths keep TrueLayer's spelling: no trailing
slashes on the API."""

from django.urls import path

from . import auth, views

app_name = "truelayer"

DATA = "api/data/v1/"
urlpatterns = [
    path("auth/", auth.authorize, name="authorize"),
    path("auth/login/<uuid:request_id>/", auth.login, name="login"),
    path("auth/consent/<uuid:request_id>/", auth.consent, name="consent"),
    path("auth/connect/token", auth.token, name="token"),
    path("auth/api/delete", auth.revoke, name="revoke"),
    path(f"{DATA}me", views.me, name="me"),
    path(f"{DATA}info", views.info, name="info"),
    path(f"{DATA}accounts", views.accounts, name="accounts"),
    path(f"{DATA}accounts/<str:account_id>", views.account, name="account"),
    path(f"{DATA}accounts/<str:account_id>/balance", views.account_balance, name="account-balance"),
    path(f"{DATA}accounts/<str:account_id>/transactions", views.account_transactions,
         name="account-transactions"),
    path(f"{DATA}accounts/<str:account_id>/transactions/pending", views.account_pending_transactions,
         name="account-pending-transactions"),
    path(f"{DATA}cards", views.cards, name="cards"),
    path(f"{DATA}cards/<str:account_id>", views.card, name="card"),
    path(f"{DATA}cards/<str:account_id>/balance", views.card_balance, name="card-balance"),
    path(f"{DATA}cards/<str:account_id>/transactions", views.card_transactions, name="card-transactions"),
    path(f"{DATA}cards/<str:account_id>/transactions/pending", views.card_pending_transactions,
         name="card-pending-transactions"),
]
