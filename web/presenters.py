"""What a connection's state means to the person, in plain words, and which action to offer.

Presentation only: the state itself comes from the core (`Connection.user_state`, refined by the
bank API's `connection_user_state`), so the web pages and the API always agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.dateformat import format as date_format

from integrations_core.models import SyncOutcome, SyncRun
from integrations_core.providers.base import AuthType
from integrations_core.providers.registry import UnknownProvider, registry
from open_banking.api.serializers import RECONFIRM_WINDOW, connection_user_state
from open_banking.models import BankConnection
from transactions.taxonomy import categories

# Actions a card can offer. "sync": Sync now; "reconnect": start a new consent at the bank.
SYNC, RECONNECT = "sync", "reconnect"
OTHER_COLOUR = "#9e9e9e"


@dataclass(frozen=True)
class ConnectionCard:
    connection: BankConnection
    state: str
    tone: str  # ok | warn | error | muted: the badge colour
    headline: str
    detail: str
    actions: tuple[str, ...]
    reconnect_label: str = "Reconnect"
    reconfirm_by: datetime | None = None
    reconfirmation_due: bool = False
    # A sync already queued or running (the first one after connecting, say): the page shows its
    # progress and follows it, rather than offer a second sync that would only be skipped.
    running_status_url: str = ""
    running_message: str = ""
    # Providers with a daily call allowance (GoCardless: 4 per account and scope): what is left.
    calls_left_today: int | None = None
    daily_call_quota: int | None = None

    @property
    def quota_warning(self) -> str:
        """Said before "Sync now" spends the last of today's allowance (or when none is left)."""
        if not self.can_sync or self.calls_left_today is None or self.calls_left_today > 1:
            return ""
        if self.calls_left_today <= 0:
            return (f"The bank allows {self.daily_call_quota} updates a day and today's are used up: a sync now "
                    "fetches nothing new. The next update is after midnight (UTC).")
        return (f"One of today's {self.daily_call_quota} updates is left. Syncing now uses it; the daily update "
                "then waits until after midnight (UTC).")

    @property
    def can_sync(self) -> bool:
        return SYNC in self.actions

    @property
    def can_reconnect(self) -> bool:
        return RECONNECT in self.actions

    @property
    def provider_name(self) -> str:
        try:
            return registry.get(self.connection.provider).name
        except UnknownProvider:
            return self.connection.provider.title()

    @property
    def name(self) -> str:
        return self.connection.institution_name or self.connection.provider.title()


def _when(moment: datetime, now: datetime) -> str:
    local, today = timezone.localtime(moment), timezone.localtime(now)
    return date_format(local, "H:i") if local.date() == today.date() else date_format(local, "j F, H:i")


def _day(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


def _is_file_import(connection: BankConnection) -> bool:
    try:
        return registry.get(connection.provider).auth_type == AuthType.FILE_UPLOAD
    except UnknownProvider:
        return False


def _quota(connection: BankConnection) -> dict:
    try:
        provider = registry.get(connection.provider)
    except UnknownProvider:
        return {}
    if not provider.daily_call_quota:
        return {}
    return {"calls_left_today": provider.quota_left_today([connection.pk]).get(str(connection.pk)),
            "daily_call_quota": provider.daily_call_quota}


def connection_card(connection: BankConnection, *, now: datetime | None = None) -> ConnectionCard:
    now = now or timezone.now()
    state = connection_user_state(connection)
    consent_end = connection.consent_expires_at
    due = (connection.status == "active" and consent_end is not None and consent_end - now <= RECONFIRM_WINDOW)
    common = {"connection": connection, "state": state, "reconfirm_by": consent_end, "reconfirmation_due": due,
              **_quota(connection)}
    if _is_file_import(connection) and state == "ok":
        # A file connection has nothing to sync or reconnect: it holds the accounts of the
        # statements the person imported (docs/bank-imports.md).
        return ConnectionCard(**{**common, "reconfirmation_due": False}, tone="ok", headline="Statement files",
                              detail="Accounts from the bank statements you imported. Import another file from "
                                     "Accounts.", actions=())

    if state == "ok":
        if due:
            return ConnectionCard(**common, tone="warn", headline="Reconfirm soon",
                                  detail=f"Your permission to read this bank ends on {_day(consent_end)}. "
                                         "Reconfirm to keep your accounts updating.",
                                  actions=(SYNC, RECONNECT), reconnect_label="Reconfirm access")
        # Never synced yet (the first sync is queued or running): say so rather than look done.
        detail = "" if connection.last_synced_at else "We have not fetched your accounts yet. The first sync " \
                                                      "starts by itself."
        return ConnectionCard(**common, tone="ok", headline="Connected", detail=detail, actions=(SYNC,))
    if state == "pending":
        return ConnectionCard(**common, tone="muted", headline="Not finished",
                              detail="You started connecting this bank but did not finish at the bank's site.",
                              actions=(RECONNECT,), reconnect_label="Continue connecting")
    if state == "reauth_required":
        return ConnectionCard(**common, tone="error", headline="Reconnect needed",
                              detail="Your bank needs you to sign in again before we can update your accounts. "
                                     "Your accounts and history are kept.",
                              actions=(RECONNECT,))
    if state == "rate_limited":
        if connection.retry_after and connection.retry_after > now:
            return ConnectionCard(**common, tone="warn", headline="Paused by the bank",
                                  detail="The bank asked us to wait before fetching more. Try again after "
                                         f"{_when(connection.retry_after, now)}, or leave it: we'll try again "
                                         "then ourselves.",
                                  actions=())
        # The wait is over but no sync has worked since: still not up to date, and a retry is due.
        return ConnectionCard(**common, tone="warn", headline="Paused by the bank",
                              detail="The bank asked us to wait before fetching more. The wait is over and we "
                                     "will try again shortly; you can also sync now.",
                              actions=(SYNC,))
    if state == "provider_down":
        return ConnectionCard(**common, tone="warn", headline="Bank not responding",
                              detail="The bank isn't responding right now. We'll retry automatically, "
                                     "so you don't need to do anything.",
                              actions=(SYNC,))
    if state == "error":
        reason = connection.last_error or "The last update did not work."
        return ConnectionCard(**common, tone="error", headline="Update failed",
                              detail=f"{reason.rstrip('.')}. We'll keep trying; if this goes on, reconnect.",
                              actions=(SYNC, RECONNECT))
    if state == "expired":
        ended = f" on {_day(consent_end)}" if consent_end else ""
        return ConnectionCard(**common, tone="error", headline="Permission ended",
                              detail=f"Your permission to read this bank ended{ended}. "
                                     "Reconnect to start updating again.",
                              actions=(RECONNECT,))
    return ConnectionCard(**common, tone="muted", headline="Disconnected",
                          detail="We no longer read from this bank. Any accounts you kept stay as they were.",
                          actions=())


FINISHED = {SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL, SyncOutcome.FAILED, SyncOutcome.SKIPPED}


def sync_run_message(run: SyncRun) -> str:
    """One sentence for the progress area (read out by screen readers as it changes)."""
    if run.outcome == SyncOutcome.QUEUED:
        # "delayed" (no worker has picked it up) or "queue_unavailable" (it starts by itself later)
        return run.error or "Waiting for the sync to start…"
    if run.outcome == SyncOutcome.RUNNING:
        return "Syncing with your bank…"
    if run.outcome == SyncOutcome.SUCCEEDED:
        if run.added or run.updated or run.removed:
            parts = [f"{run.added} new"] + ([f"{run.updated} updated"] if run.updated else []) \
                + ([f"{run.removed} removed"] if run.removed else [])
            return f"Up to date: {', '.join(parts)} transactions."
        return "Up to date: nothing new since the last sync."
    if run.outcome == SyncOutcome.PARTIAL:
        failed = [r.get("name", "an account") for r in (run.account_results or {}).values()
                  if r.get("status") == "failed"]
        names = ", ".join(failed) or "some accounts"
        return f"Partly updated: {names} could not be updated this time. We'll try again."
    if run.outcome == SyncOutcome.SKIPPED:
        return run.error or "Another sync was already running."
    return run.error or "The sync did not finish. We'll try again."


def budget_rows(rows: list[dict]) -> list[dict]:
    """The budget summary's rows plus what a progress bar needs."""
    out = []
    for row in rows:
        spent, cap = row["spent"], row["cap"]
        out.append({**row, "progress_value": min(spent, cap) if cap > 0 else spent,
                    "overspent": max(spent - cap, Decimal("0"))})
    return out


def spending_chart(spending: dict) -> dict:
    """Chart.js data for the spending summary, in the taxonomy's colours."""
    known = categories()
    return {
        "currency": spending["currency"],
        "labels": [group["label"] for group in spending["groups"]],
        "data": [str(group["spent"]) for group in spending["groups"]],
        "colors": [known[g["key"]].color if g["key"] in known else OTHER_COLOUR for g in spending["groups"]],
    }
