"""Mounted at /sandbox/xero/: XERO_LOGIN_URL = .../sandbox/xero/login, XERO_IDENTITY_URL =
.../sandbox/xero/identity, XERO_API_URL = .../sandbox/xero/api (settings; `make run` and the
tests point the provider at them)."""

from django.urls import path

from . import api, identity, views

urlpatterns = [
    path("", views.index, name="xero-index"),
    path("login/identity/connect/authorize", identity.authorize, name="xero-authorize"),
    path("identity/connect/token", identity.token, name="xero-token"),
    path("identity/connect/revocation", identity.revocation, name="xero-revocation"),
    path("api/connections", api.connections, name="xero-connections"),
    path("api/connections/<uuid:connection_id>", api.connections, name="xero-connection"),
    # Xero's routes are case-insensitive and the official client asks for /Connections.
    path("api/Connections", api.connections),
    path("api/Connections/<uuid:connection_id>", api.connections),
    path("api/api.xro/2.0/<str:resource>", api.accounting, name="xero-accounting"),
    path("api/api.xro/2.0/<str:resource>/<str:item_id>", api.accounting, name="xero-accounting-item"),
    path("books/<str:tenant_id>/edit/<str:reference>/", views.edit, name="xero-books-edit"),
    path("books/<str:tenant_id>/remove/", views.remove, name="xero-tenant-remove"),
]
