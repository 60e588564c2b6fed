"""Mounted at /sandbox/ by config/urls.py when settings.SANDBOX_ENABLED. Each mock provider
has its own package and URL module; Trading 212 and pension mocks slot in the same way."""

from django.urls import include, path

from . import views

app_name = "sandbox"
urlpatterns = [
    path("", views.index, name="index"),
    path("logos/<slug:slug>.svg", views.logo, name="logo"),
    path("clock/", views.clock_state, name="clock"),
    path("clock/advance/", views.clock_advance, name="clock-advance"),
    path("clock/reset/", views.clock_reset, name="clock-reset"),
    path("truelayer/", include("sandbox.truelayer.urls")),
    path("gocardless/", include("sandbox.gocardless.urls")),
    path("trading212/", include("sandbox.trading212.urls")),
    path("ibkr/", include("sandbox.ibkr.urls")),
    path("plaid/", include("sandbox.plaid.urls")),
    path("pensions/", include("sandbox.pensions.urls")),
    path("stripe/", include("sandbox.stripe.urls")),
    path("xero/", include("sandbox.xero.urls")),
    path("quickbooks/", include("sandbox.quickbooks.urls")),
    path("paypal/", include("sandbox.paypal.urls")),
]
