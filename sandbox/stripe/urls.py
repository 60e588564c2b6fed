"""Two Stripe hosts under one prefix: `api/` for api.stripe.com and `connect/` for
connect.stripe.com (STRIPE_API_URL={SITE}/sandbox/stripe/api, STRIPE_CONNECT_URL=
{SITE}/sandbox/stripe/connect). Paths keep Stripe's spelling (no trailing slashes)."""

from django.urls import path

from . import connect, views

app_name = "stripe"
urlpatterns = [
    path("connect/oauth/authorize", connect.authorize, name="authorize"),
    path("connect/oauth/token", connect.token, name="token"),
    path("connect/oauth/deauthorize", connect.deauthorize, name="deauthorize"),
    path("api/v1/account", views.account, name="account"),
    path("api/v1/balance", views.balance, name="balance"),
    path("api/v1/balance_transactions", views.balance_transactions, name="balance-transactions"),
    path("api/v1/balance_transactions/<str:object_id>", views.balance_transaction, name="balance-transaction"),
    path("api/v1/payouts", views.payouts, name="payouts"),
    path("api/v1/payouts/<str:object_id>", views.payout, name="payout"),
    path("api/v1/disputes", views.disputes, name="disputes"),
    path("api/v1/disputes/<str:object_id>", views.dispute, name="dispute"),
]
