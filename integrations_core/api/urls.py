from django.urls import path

from . import views

urlpatterns = [
    path("providers/", views.ProviderListView.as_view(), name="provider-list"),
    path("connections/<uuid:pk>/complete/", views.ConnectionCompleteView.as_view(), name="connection-complete"),
]
