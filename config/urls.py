from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from integrations_core.health import api as health_api
from integrations_core.health import views as health_views
from integrations_core.views import provider_callback
from integrations_core.webhooks import provider_webhook

api_v1 = [
    path("", include("integrations_core.api.urls")),
    path("open-banking/", include("open_banking.api.urls")),
    path("investments/", include("investments.api.urls")),
    path("pensions/", include("pensions.register.urls")),  # the finder: register/ and requests/
    path("pensions/", include("pensions.api.urls")),  # pensions, pots, consent, State Pension, projection
    path("", include("transactions.api.urls")),
    path("health/connections/", health_api.ConnectionHealthListView.as_view(), name="health-connections"),
    path("health/connections/<uuid:pk>/", health_api.ConnectionHealthDetailView.as_view(),
         name="health-connection"),
    path("notifications/", health_api.NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/read/", health_api.NotificationReadView.as_view(), name="notification-read"),
]
api_v1.append(path("payments/", include("payments.api.urls")))  # processors: balances, payouts, disputes

urlpatterns = [
    path("", include("web.urls")),
    path("healthz", health_views.healthz, name="health"),
    path("readyz", health_views.readyz, name="ready"),
    path("metrics", health_views.metrics, name="prometheus-metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),  # CSP: no inline script
    path("integrations/<slug:provider>/callback/", provider_callback, name="integrations-callback"),
    path("integrations/<slug:provider>/webhook/", provider_webhook, name="integrations-webhook"),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

# Django's own error pages answer in the API's JSON error format for every path under /api/
# (an unknown route, an id a URL pattern refuses), and as the site's pages elsewhere.
handler400 = "integrations_core.api.errors.handler400"
handler403 = "integrations_core.api.errors.handler403"
handler404 = "integrations_core.api.errors.handler404"
handler500 = "integrations_core.api.errors.handler500"
