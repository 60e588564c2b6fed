from django.conf import settings
from django.db import models


class KnownDevice(models.Model):
    """A browser or app install a person has signed in from. The id itself lives only in the
    device's signed cookie (or the app's X-Device-Id header); this row keeps its SHA-256, so the
    table cannot be used to forge a known device."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices")
    device_digest = models.CharField(max_length=64)
    # A short description for the e-mail and the person's own review ("Chrome on Linux"), never the IP.
    label = models.CharField(max_length=120, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "device_digest"], name="known_device_unique")]

    def __str__(self) -> str:
        return f"{self.label or 'device'} (first seen {self.first_seen_at:%Y-%m-%d})"
