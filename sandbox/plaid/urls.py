"""Plaid's API host under /sandbox/plaid/api/ (PLAID_URL), its Link page, and the mock's controls."""

from django.urls import path

from . import views

app_name = "plaid"
API = {
    "link/token/create": views.link_token_create,
    "item/public_token/exchange": views.public_token_exchange,
    "item/remove": views.item_remove,
    "item/get": views.item_get,
    "accounts/get": views.accounts_get,
    "accounts/balance/get": views.accounts_get,
    "transactions/sync": views.transactions_sync,
    "investments/holdings/get": views.investments_holdings_get,
    "investments/transactions/get": views.investments_transactions_get,
    "webhook_verification_key/get": views.webhook_verification_key_get,
    "sandbox/public_token/create": views.sandbox_public_token_create,
    "sandbox/item/reset_login": views.sandbox_item_reset_login,
    "sandbox/item/fire_webhook": views.sandbox_item_fire_webhook,
}
urlpatterns = [
    *(path(f"api/{endpoint}", view, name=endpoint.replace("/", "-")) for endpoint, view in API.items()),
    path("link/", views.link_page, name="link"),
    path("mock/items/<str:item_id>/mutate/", views.mock_item_mutate, name="mock-item-mutate"),
]
