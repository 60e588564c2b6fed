"""Mock-provider state that must survive across processes (web server, Celery worker, pytest's
live_server thread): the clock offset, consents, OAuth codes and tokens, GoCardless
requisitions, and the counters behind quotas and flaky faults.

Secrets (codes, access and refresh tokens) are stored as SHA-256 digests only: the sandbox
never needs them back, it only needs to recognise them."""

from __future__ import annotations

import uuid

from django.db import models


class SandboxClock(models.Model):
    """A single row: how many days the sandbox runs ahead of the real local date."""

    offset_days = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"today + {self.offset_days} days"


class Consent(models.Model):
    """One person's authorisation of one institution, through one mock provider. Everything a
    data call needs to answer lives here: who (username), where (institution), until when."""

    class Provider(models.TextChoices):
        TRUELAYER = "truelayer", "TrueLayer"
        GOCARDLESS = "gocardless", "GoCardless"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    provider = models.CharField(max_length=20, choices=Provider.choices)
    institution_slug = models.CharField(max_length=50)
    username = models.CharField(max_length=150)
    scopes = models.JSONField(default=list, blank=True)
    authorised_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Data calls made under this consent; `error.flaky` fails every third one.
    data_calls = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-authorised_at"]

    def __str__(self) -> str:
        return f"{self.provider}:{self.institution_slug}:{self.username}"


class TrueLayerAuthRequest(models.Model):
    """One pass through the TrueLayer auth dialog, from the auth link to the code exchange."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField()
    client_id = models.CharField(max_length=200)
    redirect_uri = models.URLField(max_length=2000)
    scope = models.CharField(max_length=500)
    state = models.CharField(max_length=500, blank=True, default="")
    providers = models.CharField(max_length=500, blank=True, default="")
    provider_id = models.CharField(max_length=100, blank=True, default="")
    code_challenge = models.CharField(max_length=200, blank=True, default="")
    code_challenge_method = models.CharField(max_length=10, blank=True, default="")
    # Filled in as the person moves through the dialog.
    institution_slug = models.CharField(max_length=50, blank=True, default="")
    username = models.CharField(max_length=150, blank=True, default="")
    consent = models.OneToOneField(Consent, null=True, blank=True, on_delete=models.CASCADE)
    code_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"auth request {self.id}"


class TrueLayerToken(models.Model):
    """An access/refresh token pair. Refreshing rotates the pair: the old one stops working,
    as TrueLayer documents ("only the last access_token is valid")."""

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="truelayer_tokens")
    access_token_hash = models.CharField(max_length=64, unique=True)
    refresh_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    access_expires_at = models.DateTimeField()
    created_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token for {self.consent_id}"


class GoCardlessApiToken(models.Model):
    """A `token/new/` pair. GoCardless tokens authenticate the *company*, not an end user."""

    access_token_hash = models.CharField(max_length=64, unique=True)
    # Blank on rows made by `token/refresh/`, which hands out a new access token only.
    refresh_token_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"api token {self.pk}"


class GoCardlessAgreement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField()
    institution_id = models.CharField(max_length=100)
    max_historical_days = models.PositiveIntegerField(default=90)
    access_valid_for_days = models.PositiveIntegerField(default=90)
    access_scope = models.JSONField(default=list)
    accepted = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"agreement {self.id}"


class GoCardlessRequisition(models.Model):
    class Status(models.TextChoices):
        CREATED = "CR", "Created"
        GIVING_CONSENT = "GC", "Giving consent"
        UNDERGOING_AUTHENTICATION = "UA", "Undergoing authentication"
        REJECTED = "RJ", "Rejected"
        LINKED = "LN", "Linked"
        EXPIRED = "EX", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField()
    redirect = models.URLField(max_length=2000)
    status = models.CharField(max_length=2, choices=Status.choices, default=Status.CREATED)
    institution_id = models.CharField(max_length=100)
    # SET_NULL, not CASCADE: an agreement deleted on its own leaves the requisition readable.
    agreement = models.ForeignKey(GoCardlessAgreement, null=True, blank=True, on_delete=models.SET_NULL)
    reference = models.CharField(max_length=256, unique=True)
    user_language = models.CharField(max_length=5, blank=True, default="EN")
    account_selection = models.BooleanField(default=False)
    redirect_immediate = models.BooleanField(default=False)
    username = models.CharField(max_length=150, blank=True, default="")
    consent = models.OneToOneField(Consent, null=True, blank=True, on_delete=models.SET_NULL)
    # Deleting a requisition hides it but keeps its accounts answering "access revoked".
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"requisition {self.id}"


class GoCardlessAccount(models.Model):
    """An account id handed out by a linked requisition. Ids are per requisition, so a
    reconnection produces new ids for the same bank accounts."""

    id = models.UUIDField(primary_key=True, editable=False)
    requisition = models.ForeignKey(GoCardlessRequisition, on_delete=models.CASCADE, related_name="accounts")
    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="gocardless_accounts")
    account_key = models.CharField(max_length=30)  # which generated account (see sandbox.data)
    created = models.DateTimeField()
    last_accessed = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"account {self.id}"


class GoCardlessQuotaCall(models.Model):
    """One successful bank call (details, balances or transactions) for the rolling daily quota."""

    account = models.ForeignKey(GoCardlessAccount, on_delete=models.CASCADE, related_name="quota_calls")
    scope = models.CharField(max_length=20)
    called_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "scope", "called_at"])]

    def __str__(self) -> str:
        return f"{self.scope} call on {self.account_id}"


class PlaidItem(models.Model):
    """One mock Plaid Item: a person's login at one institution, reached with one access token.
    `mutations` holds what the sandbox operator changed by hand (modified amounts and names,
    removed transactions), on top of the generated book; `faults` what the next calls will meet
    (ITEM_LOGIN_REQUIRED, a rate limit, a mutation during pagination)."""

    item_id = models.CharField(max_length=64, primary_key=True)
    institution_slug = models.CharField(max_length=50)
    username = models.CharField(max_length=150)
    access_token_hash = models.CharField(max_length=64, unique=True)
    webhook = models.URLField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    login_required = models.BooleanField(default=False)
    mutations = models.JSONField(default=dict, blank=True)
    faults = models.JSONField(default=dict, blank=True)
    # Pending transactions rendered so far, by what identifies the payment: the posted one that
    # replaces it names it in pending_transaction_id.
    pending_seen = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"plaid item {self.item_id} ({self.institution_slug}:{self.username})"


class PlaidToken(models.Model):
    """A link token or a public token (by digest), and what it leads to."""

    class Kind(models.TextChoices):
        LINK = "link", "Link token"
        PUBLIC = "public", "Public token"

    token_hash = models.CharField(max_length=64, primary_key=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    item = models.ForeignKey(PlaidItem, null=True, blank=True, on_delete=models.CASCADE)
    webhook = models.URLField(max_length=2000, blank=True, default="")
    institution_slug = models.CharField(max_length=50, blank=True, default="")
    username = models.CharField(max_length=150, blank=True, default="")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"plaid {self.kind} token"


class PlaidSyncView(models.Model):
    """What one /transactions/sync cursor stands for: the digest of every transaction the
    client had seen when it got the cursor."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(PlaidItem, on_delete=models.CASCADE, related_name="views")
    digests = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"sync view {self.pk}"
