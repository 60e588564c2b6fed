"""What the web app keeps of its own: accounts a person tracks by hand (cash, a house, a loan a
bank does not offer through Open Banking). Everything else is read from the provider families."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from integrations_core.models import MONEY, AccountType, UUIDTimestampedModel, currency_validator


class ManualAccount(UUIDTimestampedModel):
    """An account with a balance the person types in; shown beside connected ones."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="manual_accounts")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=AccountType.choices, default=AccountType.OTHER)
    currency = models.CharField(max_length=3, default="GBP", validators=[currency_validator])
    balance = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["name", "created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"
