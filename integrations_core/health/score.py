"""The health score of one connection, 0 (broken) to 1 (healthy). The formula, as documented
in docs/health.md (keep the two in step):

    score = gate × consent × (0.5·reliability + 0.25·freshness + 0.25·streak)

    reliability = 1 − error_rate, over the last 30 finished runs (failed = 1, partial = ½;
                  skipped runs are not the connection's doing); no runs yet: 1
    freshness   = 1 if the last good sync is at most 26 h old, falling linearly to 0 at 72 h;
                  never synced: 0.5
    streak      = 1 / (1 + consecutive failures)
    gate        = 1 active, 0.5 error or pending, 0 needs reconnecting, expired or revoked
    consent     = 1, or 0.5 when consent (or a token that cannot refresh) ends within 7 days

Every input is returned beside the score, so what is shown can be checked by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from integrations_core.models import ConnectionStatus

WEIGHTS = {"reliability": 0.5, "freshness": 0.25, "streak": 0.25}
FRESH_HOURS, STALE_HOURS = 26, 72
EXPIRY_WARNING = timedelta(days=7)
GATES = {ConnectionStatus.ACTIVE: 1.0, ConnectionStatus.ERROR: 0.5, ConnectionStatus.PENDING: 0.5,
         ConnectionStatus.REAUTH_REQUIRED: 0.0, ConnectionStatus.EXPIRED: 0.0, ConnectionStatus.REVOKED: 0.0}


@dataclass(frozen=True)
class ScoreInputs:
    status: str
    error_rate: float | None  # None: no finished runs yet
    last_synced_at: datetime | None
    consecutive_failures: int
    expires_at: datetime | None


def freshness(last_synced_at: datetime | None, now: datetime) -> float:
    if last_synced_at is None:
        return 0.5
    hours = (now - last_synced_at).total_seconds() / 3600
    if hours <= FRESH_HOURS:
        return 1.0
    return max(0.0, 1 - (hours - FRESH_HOURS) / (STALE_HOURS - FRESH_HOURS))


def health_score(inputs: ScoreInputs, now: datetime) -> tuple[float, dict[str, float]]:
    """(score rounded to 3 places, every factor by name)."""
    factors = {
        "gate": GATES.get(inputs.status, 0.0),
        "consent": 0.5 if inputs.expires_at is not None and inputs.expires_at <= now + EXPIRY_WARNING else 1.0,
        "reliability": 1.0 if inputs.error_rate is None else 1.0 - inputs.error_rate,
        "freshness": freshness(inputs.last_synced_at, now),
        "streak": 1.0 / (1 + inputs.consecutive_failures),
    }
    weighted = sum(weight * factors[name] for name, weight in WEIGHTS.items())
    return round(factors["gate"] * factors["consent"] * weighted, 3), {k: round(v, 3) for k, v in factors.items()}
