"""Which stored pending row a newly booked record is the booked twin of, even when the bank
issued a new id or changed the amount (tips, currency conversion)."""

from __future__ import annotations

from decimal import Decimal

from integrations_core.models import Transaction

from .keys import normalise_description

# A pending card payment usually books within a week, sometimes for a different amount (tips,
# currency conversion), and sometimes weeks later (hotels, car hire, TfL daily caps: TrueLayer
# documents pending items staying up to 120 days). The import is told the provider's maximum;
# this is the default for callers that do not say.
DEFAULT_SETTLEMENT_MAX_DAYS = 120
CLAIM_MAX_DAYS = 10
CLAIM_LATE_MIN_SIMILARITY = 0.5
CLAIM_AMOUNT_TOLERANCE = Decimal("0.20")  # 20% of the pending amount...
CLAIM_AMOUNT_FLOOR = Decimal("2.00")  # ...or £2, whichever is larger


def _claim_score(pending: Transaction, booked, max_days: int) -> float | None:
    """How well a booked record matches a pending row; None if it cannot be the same payment."""
    if pending.currency != booked.currency or (pending.amount < 0) != (booked.amount < 0):
        return None
    days = (booked.booked_date - pending.booked_date).days
    if days < -1 or days > max_days:
        return None
    diff = abs(abs(booked.amount) - abs(pending.amount))
    if diff > max(abs(pending.amount) * CLAIM_AMOUNT_TOLERANCE, CLAIM_AMOUNT_FLOOR):
        return None
    a = set(normalise_description(pending.description).split())
    b = set(normalise_description(booked.description).split())
    similarity = len(a & b) / max(1, len(a | b))
    if similarity == 0 and diff != 0:
        return None
    # Beyond a normal card settlement only a payment that names the same merchant may claim.
    if days > CLAIM_MAX_DAYS and similarity < CLAIM_LATE_MIN_SIMILARITY:
        return None
    return similarity * 2 + (1 if diff == 0 else 0) - days * 0.05


def pending_claims(candidates: list[Transaction], booked: list[tuple[str, object]],
                   max_days: int) -> dict[str, Transaction]:
    """Which open pending row each new booked record claims, decided as a whole (not first come,
    first served): as many claims as possible, then the best-scoring ones. First come let one
    booked payment take the closer-dated hold of another, leaving a hold beside its own booked
    twin. The candidate sets are small (an account's open pending rows)."""
    scores = {}
    for i, (_, record) in enumerate(booked):
        for j, row in enumerate(candidates):
            score = _claim_score(row, record, max_days)
            if score is not None:
                scores[i, j] = score
    if not scores:
        return {}
    rows = sorted({i for i, _ in scores})
    cols = sorted({j for _, j in scores})
    from scipy.optimize import linear_sum_assignment

    # Maximum weight matching where every feasible pair outweighs any score difference, so the
    # number of claims comes first; infeasible pairs weigh nothing and are dropped after.
    weight = [[(1000 + scores[i, j]) if (i, j) in scores else 0.0 for j in cols] for i in rows]
    picked_rows, picked_cols = linear_sum_assignment(weight, maximize=True)
    return {booked[rows[a]][0]: candidates[cols[b]] for a, b in zip(picked_rows, picked_cols, strict=True)
            if (rows[a], cols[b]) in scores}
