"""The sandbox pension data service: SANDBOX_PENSIONS_URL={SITE}/sandbox/pensions/api/v1."""

from django.urls import path

from . import views

app_name = "pensions"
urlpatterns = [
    path("api/v1/find", views.find, name="find"),
    path("api/v1/view/<str:pei>", views.view, name="view"),
]
