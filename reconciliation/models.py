"""Stored matches between two ReconItems (reconciliation/registry.py), by item key.

A match pairs a business-side item (the `left`: a processor payout, a paid invoice, a paid bill)
with the money-side item that settled it (the `right`: a bank credit or debit, a processor
charge). Its status says who decided:
- suggested: the engine found it plausible but not certain (several candidates); never counted;
- matched: the engine found exactly one candidate each way, exact (services/engine.py's rule);
  a re-run may still drop it if the items change;
- confirmed: the person said yes (or paired the two by hand): LOCKED, a re-run never changes or
  removes it, whatever happens to the items later;
- rejected: the person said no: the pair is remembered and never suggested again.
The amounts, dates and labels are kept as they were at match time, so a locked match still reads
right if an item later changes or disappears (the page then flags it)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class MatchStatus(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    MATCHED = "matched", "Matched automatically"
    CONFIRMED = "confirmed", "Confirmed (locked)"
    REJECTED = "rejected", "Rejected"


# The statuses that hold their items: an item is in at most one of these.
HOLDING = (MatchStatus.MATCHED, MatchStatus.CONFIRMED)


class ReconMatch(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recon_matches")
    rule = models.CharField(max_length=40, help_text="Which matching rule paired them (services/rules.py).")
    status = models.CharField(max_length=12, choices=MatchStatus.choices, default=MatchStatus.SUGGESTED,
                              db_index=True)
    score = models.DecimalField(max_digits=4, decimal_places=3, default=0,
                                help_text="0 to 1: how sure the engine is (1 = exact and unique).")
    reasons = models.JSONField(default=list, blank=True, help_text="Why the engine paired them, in words.")

    left_key = models.CharField(max_length=200)
    left_kind = models.CharField(max_length=20)
    left_date = models.DateField()
    left_amount = models.DecimalField(max_digits=18, decimal_places=4)
    left_label = models.CharField(max_length=300, blank=True, default="")
    right_key = models.CharField(max_length=200)
    right_kind = models.CharField(max_length=20)
    right_date = models.DateField()
    right_amount = models.DecimalField(max_digits=18, decimal_places=4)
    right_label = models.CharField(max_length=300, blank=True, default="")
    currency = models.CharField(max_length=3)

    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-left_date", "left_key"]
        constraints = [
            # One row per pair: a rejection is remembered on the same row a suggestion was.
            models.UniqueConstraint(fields=["user", "left_key", "right_key"], name="recon_match_uniq_pair"),
            # An item is in at most one holding match, on either side.
            models.UniqueConstraint(fields=["user", "left_key"], condition=Q(status__in=["matched", "confirmed"]),
                                    name="recon_match_left_held_once"),
            models.UniqueConstraint(fields=["user", "right_key"], condition=Q(status__in=["matched", "confirmed"]),
                                    name="recon_match_right_held_once"),
        ]
        indexes = [models.Index(fields=["user", "status"], name="recon_match_user_status")]

    def __str__(self) -> str:
        return f"{self.left_key} <-> {self.right_key} ({self.status})"

    @property
    def is_locked(self) -> bool:
        return self.status == MatchStatus.CONFIRMED


class ReconRun(models.Model):
    """One run of the engine for one person: when, why and what it found (the page's "last
    checked", and the figures in docs/business.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recon_runs")
    trigger = models.CharField(max_length=20, default="manual")  # sync | manual | action
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    items = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0, help_text="Automatic matches held after the run.")
    suggested = models.PositiveIntegerField(default=0)
    locked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "-started_at"], name="recon_run_user_started")]

    def __str__(self) -> str:
        return f"{self.trigger} run at {self.started_at:%Y-%m-%d %H:%M}: {self.matched} matched"
