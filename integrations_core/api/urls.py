from django.urls import path

from . import views, views_connect, views_home, views_networth

urlpatterns = [
    path("providers/", views.ProviderListView.as_view(), name="provider-list"),
    path("net-worth/", views_networth.NetWorthView.as_view(), name="net-worth"),
    path("connections/", views_connect.ConnectionCreateView.as_view(), name="connection-create"),
    path("statement-imports/", views_connect.StatementImportCreateView.as_view(), name="statement-import-create"),
    path("statement-imports/<uuid:pk>/", views_connect.StatementImportDetailView.as_view(),
         name="statement-import-detail"),
    path("statement-imports/<uuid:pk>/confirm/", views_connect.StatementImportConfirmView.as_view(),
         name="statement-import-confirm"),
    path("connections/<uuid:pk>/complete/", views.ConnectionCompleteView.as_view(), name="connection-complete"),
    path("home/", views_home.HomeView.as_view(), name="home-tiles"),
]
