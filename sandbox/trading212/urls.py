"""Trading 212's API host under one prefix: TRADING212_DEMO_URL={SITE}/sandbox/trading212/api/v0.
One view dispatches every path, as the real API's paths are not slash-terminated."""

from django.urls import path

from . import views

app_name = "trading212"
urlpatterns = [
    path("api/v0/<path:endpoint>", views.api, name="api"),
]
