"""Operations models: the inbound webhook event log, the bounded log of refused deliveries,
alerts (one open row per cause, so nobody is paged twice) and the in-app notifications they
send. Imported at the end of models.py so Django registers them with integrations_core."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class WebhookStatus(models.TextChoices):
    RECEIVED = "received", "Received (waiting to be processed)"
    PROCESSED = "processed", "Processed"
    ERROR = "error", "Error (retried with backoff)"


class WebhookEvent(models.Model):
    """One verified delivery, stored once: (provider, delivery_id) is unique, so a replay cannot
    be stored twice. `payload` is the body with known secret keys redacted (webhooks name
    items and connections, never carry credentials we keep)."""

    id = models.BigAutoField(primary_key=True)
    provider = models.CharField(max_length=50)
    delivery_id = models.CharField(max_length=255)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    verified = models.BooleanField(default=True, help_text="Only verified deliveries are stored here.")
    status = models.CharField(max_length=10, choices=WebhookStatus.choices, default=WebhookStatus.RECEIVED,
                              db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    processed_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(blank=True, default=dict)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["provider", "delivery_id"], name="webhookevent_once")]
        indexes = [models.Index(fields=["status", "received_at"], name="webhookevent_status_idx")]

    def __str__(self) -> str:
        return f"{self.provider} {self.delivery_id} {self.status}"


class WebhookRejection(models.Model):
    """Refused deliveries (forged, stale, unsigned, malformed, replayed), counted rather than
    stored one by one: one row per provider, reason and minute, whatever the volume, so an
    attacker cannot fill the table. No payload is ever kept."""

    id = models.BigAutoField(primary_key=True)
    provider = models.CharField(max_length=50)
    code = models.CharField(max_length=20)
    minute = models.DateTimeField(help_text="The minute (UTC) these refusals arrived in.")
    count = models.PositiveIntegerField(default=0)
    last_remote_addr = models.GenericIPAddressField(null=True, blank=True)
    last_delivery_id = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-minute"]
        constraints = [models.UniqueConstraint(fields=["provider", "code", "minute"], name="webhookrejection_bucket")]

    def __str__(self) -> str:
        return f"{self.provider} {self.code} x{self.count} at {self.minute:%Y-%m-%d %H:%M}"


class AlertAudience(models.TextChoices):
    PERSON = "person", "The person"
    OPERATORS = "operators", "Operators"


class Alert(models.Model):
    """One cause (its `dedupe_key`, e.g. "failing:<connection>:person") while it lasts: raised
    once, resolved when the cause goes away; the same cause after that is a new alert. A
    conditional unique constraint keeps at most one open alert per key, even under races."""

    id = models.BigAutoField(primary_key=True)
    dedupe_key = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, db_index=True)
    audience = models.CharField(max_length=10, choices=AlertAudience.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="alerts")
    provider = models.CharField(max_length=50, blank=True, default="")
    connection_id = models.UUIDField(null=True, blank=True, db_index=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [models.UniqueConstraint(fields=["dedupe_key"], name="alert_one_open_per_cause",
                                               condition=models.Q(resolved_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.kind} {self.dedupe_key}{'' if self.resolved_at is None else ' (resolved)'}"


class Notification(models.Model):
    """An in-app message to a person (or, with no user, to operators), with its read state."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notifications")
    alert = models.ForeignKey(Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications")
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class IntegrationHealth(models.Model):
    """No table: the admin's "Integration health" page hangs off this entry (admin_ops.py)."""

    class Meta:
        managed = False
        default_permissions = ("view",)
        verbose_name = verbose_name_plural = "Integration health"

    def __str__(self) -> str:
        return "Integration health"


class ConnectionLink(models.Model):
    """A connection in another family that rides on one provider consent (a Plaid Item with a
    bank account *and* a brokerage account): the linked connection holds that family's accounts
    and records; the primary holds the consent and its tokens (the linked one holds none). The
    core keeps them in step (services/linked.py): revoking, re-authorising or reconnecting the
    primary moves its linked connections too, and revoking a linked one never calls the provider."""

    id = models.BigAutoField(primary_key=True)
    primary_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    primary_id = models.UUIDField(db_index=True)
    linked_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    linked_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["linked_type", "linked_id"], name="connectionlink_one_primary"),
            models.UniqueConstraint(fields=["primary_type", "primary_id", "linked_type"],
                                    name="connectionlink_one_per_family"),
        ]

    def __str__(self) -> str:
        return f"{self.linked_type.model} {self.linked_id} rides on {self.primary_type.model} {self.primary_id}"
