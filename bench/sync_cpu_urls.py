"""The project's URLs with the sandbox mounted at /sandbox/ (whatever SANDBOX_ENABLED says), for
bench/sync_cpu.py's in-process banks."""

from django.conf import settings
from django.urls import include, path

from config.urls import urlpatterns as project_urls

urlpatterns = list(project_urls)
if not settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
