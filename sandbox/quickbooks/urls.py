"""Intuit's hosts under one prefix, each keeping its real paths, so a client is pointed here by
changing only the host:
  appcenter/   appcenter.intuit.com           QUICKBOOKS_AUTH_URL = {SITE}/sandbox/quickbooks/appcenter/connect/oauth2
  oauth/       oauth.platform.intuit.com      QUICKBOOKS_TOKEN_URL = {SITE}/sandbox/quickbooks/oauth/oauth2/v1/tokens/bearer
  developer/   developer.api.intuit.com       QUICKBOOKS_REVOKE_URL = {SITE}/sandbox/quickbooks/developer/v2/oauth2/tokens/revoke
  api/         quickbooks.api.intuit.com      QUICKBOOKS_API_URL = {SITE}/sandbox/quickbooks/api"""

from django.urls import path

from . import api, auth

app_name = "quickbooks"

COMPANY = "api/v3/company/<str:realm_id>/"
urlpatterns = [
    path("appcenter/connect/oauth2", auth.connect, name="connect"),
    path("oauth/oauth2/v1/tokens/bearer", auth.token, name="token"),
    path("developer/v2/oauth2/tokens/revoke", auth.revoke, name="revoke"),
    path(f"{COMPANY}query", api.query, name="query"),
    path(f"{COMPANY}cdc", api.cdc, name="cdc"),
    path(f"{COMPANY}companyinfo/<str:company_id>", api.company_info, name="companyinfo"),
    path(f"{COMPANY}preferences", api.preferences, name="preferences"),
    path(f"{COMPANY}<str:name>", api.entity, name="entity"),
    path(f"{COMPANY}<str:name>/<str:entity_id>", api.entity, name="entity-read"),
]
