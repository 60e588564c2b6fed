"""The mock QuickBooks' state: the companies (realms) people connected, the codes and token
chains issued for them, and every entity written through the API (pushed Purchases and
Deposits, edits, deletions). What the persona's book holds is computed, never stored."""

from __future__ import annotations

from django.db import models


class QboRealm(models.Model):
    """One company: the persona of `username` (sandbox/business/persona.py)."""

    realm_id = models.CharField(max_length=20, primary_key=True)
    username = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    disconnected_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.realm_id} ({self.username})"


class QboAuthCode(models.Model):
    code_hash = models.CharField(max_length=64, primary_key=True)
    realm = models.ForeignKey(QboRealm, on_delete=models.CASCADE, related_name="codes")
    redirect_uri = models.URLField(max_length=2000)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.realm_id}"


class QboToken(models.Model):
    """One access + refresh token pair. `spent_at`: its refresh token was exchanged for the next
    pair (`successor`); `used_at`: first time either of its tokens was presented."""

    realm = models.ForeignKey(QboRealm, on_delete=models.CASCADE, related_name="tokens")
    access_hash = models.CharField(max_length=64, unique=True)
    refresh_hash = models.CharField(max_length=64, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField()
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    spent_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    predecessor = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors")

    def __str__(self) -> str:
        return f"token {self.pk} for {self.realm_id}"


class QboEntity(models.Model):
    """An entity as written through the API (created, updated or deleted), by realm, entity
    name and id. Ids of created entities start at CREATED_ID_START, above the persona's."""

    realm = models.ForeignKey(QboRealm, on_delete=models.CASCADE, related_name="entities")
    entity = models.CharField(max_length=30)
    entity_id = models.PositiveIntegerField()
    sync_token = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["realm", "entity", "entity_id"], name="sandbox_qbo_entity_once")]

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_id}"
