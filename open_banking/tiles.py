"""The banking family's home tile (integrations_core/home_tiles.py): connections and accounts that
need the person, most urgent first: a bank asking to be reconnected, failing updates, accounts whose
figures have gone stale, and connections left "Not finished"."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from integrations_core.home_tiles import HomeTile, register
from integrations_core.models import ConnectionStatus

from .api.serializers import connection_user_state
from .selectors import bank_account_list, bank_connection_list

STALE_AFTER = timedelta(days=2)  # the daily sync missed a day: the figures are out of date

# state -> (urgency, what to say, the action); smaller urgency first.
_STATES = {
    "reauth_required": (0, "Reconnect needed: your bank wants you to sign in again.", "reconnect"),
    "expired": (0, "Permission ended: reconnect to keep updating.", "reconnect"),
    "error": (1, "Updates are failing.", "sync"),
    "provider_down": (2, "The bank is not responding; we keep retrying.", "wait"),
    "rate_limited": (2, "Paused by the bank for a while.", "wait"),
    "pending": (3, "Not finished: you started connecting but did not finish at the bank.", "continue"),
}


def accounts_needing_attention(user, today: date) -> dict | None:
    now = timezone.now()
    items = []
    for connection in bank_connection_list(user).exclude(status=ConnectionStatus.REVOKED):
        name = connection.institution_name or connection.provider.title()
        state = connection_user_state(connection)
        if state in _STATES:
            urgency, message, action = _STATES[state]
            items.append({"connection_id": str(connection.pk), "name": name, "state": state, "message": message,
                          "action": action, "urgency": urgency})
        elif state == "ok" and connection.last_synced_at and now - connection.last_synced_at > STALE_AFTER:
            items.append({"connection_id": str(connection.pk), "name": name, "state": "stale",
                          "message": f"Not updated since {timezone.localtime(connection.last_synced_at):%-d %b}.",
                          "action": "sync", "urgency": 2})
    already_listed = {i["connection_id"] for i in items}
    for account in (bank_account_list(user).filter(is_active=True, connection__status__in=(
            ConnectionStatus.ACTIVE, ConnectionStatus.ERROR)).exclude(sync_error_code="")
                    .select_related("connection")):
        if str(account.connection_id) in already_listed:
            continue  # the connection's own problem already says it
        items.append({"connection_id": str(account.connection_id), "account_id": str(account.pk),
                      "name": f"{account.name} ({account.connection.institution_name or account.connection.provider})",
                      "state": account.sync_state,
                      "message": account.sync_error or "This account is not updating.", "action": "sync",
                      "urgency": 1 if account.sync_state == "failing" else 2})
    if not items:
        return None
    items.sort(key=lambda i: (i["urgency"], i["name"]))
    return {"count": len(items), "items": items}


register(HomeTile(slug="attention", title="Needs your attention", data=accounts_needing_attention, order=15,
                  link="web:connections", link_label="Manage your banks", template="web/home/tiles/attention.html",
                  empty_text="All your banks are up to date."))
