"""The project's URLs plus bench/api_cpu.py's floor view."""

from django.urls import path

from bench.api_cpu import FLOOR, NARROW_FLOOR, floor_view, narrow_floor_view
from config.urls import urlpatterns as project_urls

urlpatterns = [path(FLOOR.lstrip("/"), floor_view), path(NARROW_FLOOR.lstrip("/"), narrow_floor_view),
               path("bench-floor/accounts/<uuid:account_pk>/transactions/", floor_view), *project_urls]
