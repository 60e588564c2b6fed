"""IBKR Flex Web Service v3, mounted at /sandbox/ibkr/: IBKR_FLEX_URL={SITE}/sandbox/ibkr/FlexWebService.
Paths keep IBKR's spelling (no trailing slash)."""

from django.urls import path

from . import views

app_name = "ibkr"
urlpatterns = [
    path("FlexWebService/SendRequest", views.send_request, name="send-request"),
    path("FlexWebService/GetStatement", views.get_statement, name="get-statement"),
]
