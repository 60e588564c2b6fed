"""The sandbox clock: real time shifted by a whole number of days stored in the database, so
the web server and the Celery worker agree on "today" and new transactions appear as it moves.

Everything in the sandbox asks `clock.now()` / `clock.today()` through this module (never
`from sandbox.clock import now`), so tests may monkeypatch either function."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from .models import SandboxClock


def offset_days() -> int:
    row = SandboxClock.objects.filter(pk=1).only("offset_days").first()
    return row.offset_days if row else 0


def now() -> datetime:
    """Timezone-aware sandbox time (UTC)."""
    return timezone.now() + timedelta(days=offset_days())


def today() -> date:
    """The sandbox's local date (settings.TIME_ZONE), which decides which transactions exist."""
    return timezone.localdate(now())


def advance(days: int) -> int:
    """Move the clock by `days` (negative moves it back, but never before real time).
    Returns the new offset."""
    row, _ = SandboxClock.objects.get_or_create(pk=1)
    row.offset_days = max(0, row.offset_days + days)
    row.save(update_fields=["offset_days", "updated_at"])
    return row.offset_days


def reset() -> None:
    SandboxClock.objects.update_or_create(pk=1, defaults={"offset_days": 0})
