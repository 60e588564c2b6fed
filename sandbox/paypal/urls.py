"""PayPal's REST host under one prefix: PAYPAL_SANDBOX_URL={SITE}/sandbox/paypal. Paths are
PayPal's own (no trailing slashes)."""

from django.urls import path

from . import views

app_name = "paypal"
urlpatterns = [
    path("v1/oauth2/token", views.token, name="token"),
    path("v1/reporting/transactions", views.transactions, name="transactions"),
    path("v1/reporting/balances", views.balances, name="balances"),
    path("v1/customer/disputes", views.disputes, name="disputes"),
    path("v1/customer/disputes/<str:dispute_id>", views.dispute, name="dispute"),
    path("v1/notifications/verify-webhook-signature", views.verify_webhook_signature, name="verify-webhook"),
]
