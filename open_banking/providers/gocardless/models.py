"""GoCardless's own state. Moved from open_banking/models.py with the table and constraint
names unchanged (no table was touched by the move)."""

from __future__ import annotations

from django.db import models

from integrations_core.fields import EncryptedTextField


class ServerToken(models.Model):
    """An aggregator's server-to-server token (GoCardless), shared by every connection. Cached
    here, encrypted, because token/new is limited to 100 an hour and a worker restart must not
    mint a new one; `key` tells apart hosts and secret ids (sandbox vs live)."""

    key = models.CharField(max_length=64, unique=True)
    provider = models.CharField(max_length=50)
    access_token = EncryptedTextField(blank=True, default="")
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token = EncryptedTextField(blank=True, default="")
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "open_banking_servertoken"

    def __str__(self) -> str:
        return f"{self.provider} server token"


class QuotaLedger(models.Model):
    """Calls spent against a bank's per-account, per-scope daily limit (GoCardless: about 4
    successful calls per account per day for each of details, balances and transactions), and
    the 429s received with the reset they announced. The sync asks it before every call."""

    provider = models.CharField(max_length=50)
    account_id = models.CharField(max_length=255, help_text="The aggregator's account id.")
    connection = models.ForeignKey("open_banking.BankConnection", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="quota_entries")
    scope = models.CharField(max_length=20)  # details | balances | transactions
    day = models.DateField(help_text="UTC day the calls were made.")
    successful_calls = models.PositiveIntegerField(default=0)
    rate_limited_calls = models.PositiveIntegerField(default=0)
    limit = models.PositiveIntegerField(null=True, blank=True, help_text="As announced by the provider.")
    remaining = models.PositiveIntegerField(null=True, blank=True, help_text="As announced by the provider.")
    reset_at = models.DateTimeField(null=True, blank=True, help_text="When the provider said calls resume.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "open_banking_quotaledger"
        ordering = ["-day", "account_id", "scope"]
        constraints = [models.UniqueConstraint(fields=["provider", "account_id", "scope", "day"],
                                               name="ob_quota_uniq")]

    def __str__(self) -> str:
        return f"{self.provider} {self.account_id} {self.scope} {self.day}: {self.successful_calls}"
