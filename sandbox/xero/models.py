"""What the mock Xero must remember: who consented to which tenants, its codes and tokens
(stored as digests; refresh tokens are single-use, each refresh answers a new one), tenants the
person removed, and the bank transactions written to it (pushed by the platform or edited "in
the books" by the test helpers). Everything else is derived from the persona on each call."""

from __future__ import annotations

import uuid

from django.db import models


class XeroGrant(models.Model):
    """One consent: the login name (which persona, which fault) and the app it was given to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(max_length=100)
    client_id = models.CharField(max_length=100)
    scope = models.CharField(max_length=500, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    refresh_expired = models.BooleanField(default=False, help_text="Refreshes answer 400 invalid_grant.")

    def __str__(self) -> str:
        return f"grant {self.pk} ({self.username})"


class XeroAuthCode(models.Model):
    digest = models.CharField(max_length=64, unique=True)
    grant = models.ForeignKey(XeroGrant, on_delete=models.CASCADE, related_name="codes")
    redirect_uri = models.CharField(max_length=500)
    code_challenge = models.CharField(max_length=200, blank=True, default="")
    code_challenge_method = models.CharField(max_length=10, blank=True, default="")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.grant_id}"


class XeroToken(models.Model):
    ACCESS, REFRESH = "access", "refresh"

    digest = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=10)
    grant = models.ForeignKey(XeroGrant, on_delete=models.CASCADE, related_name="tokens")
    expires_at = models.DateTimeField()
    spent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} token for {self.grant_id}"


class XeroTenant(models.Model):
    """One organisation shared by a grant. `tenant_id` is the organisation's own id (stable per
    login and organisation, as Xero's are); `connection_id` is this grant's link to it."""

    grant = models.ForeignKey(XeroGrant, on_delete=models.CASCADE, related_name="tenants")
    connection_id = models.UUIDField(default=uuid.uuid4, unique=True)
    tenant_id = models.CharField(max_length=36)
    index = models.PositiveSmallIntegerField(help_text="Which of the login's organisations (0: the main business).")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True, help_text="The person removed it from the app.")

    def __str__(self) -> str:
        return self.name


class XeroBankTransaction(models.Model):
    """A bank transaction written to a tenant's books (PUT/POST BankTransactions or the "edit
    in the books" helper), in Xero's JSON."""

    tenant_id = models.CharField(max_length=36, db_index=True)
    bank_transaction_id = models.CharField(max_length=36, unique=True)
    reference = models.CharField(max_length=255, blank=True, default="", db_index=True)
    updated_at = models.DateTimeField()
    body = models.JSONField()

    def __str__(self) -> str:
        return self.bank_transaction_id
