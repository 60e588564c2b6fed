"""The matching engine: pair the person's items by the rules (services/rules.py) and store the
outcome as ReconMatch rows, idempotently.

The decision, for the items no confirmed match holds and pairs the person has not rejected:
- a candidate is a pair of the same currency and exact amount inside its rule's window;
- AUTO-MATCH (status matched) only when the pair is each side's ONLY candidate, across every
  rule: one payout and one credit of that amount in the window, nothing else that could claim
  either. Anything else is ambiguous (two payouts of £120.00 in a week, a payout and an invoice
  of the same amount, two credits), and every candidate becomes a suggestion ranked by score,
  for the person to confirm; a score never promotes a suggestion, however high;
- each item keeps its best SUGGESTIONS_PER_ITEM suggestions.
Confirmed matches are never read for anything but the keys they hold: a run never changes or
deletes them. Re-running with the same items writes nothing (rows that would be the same are
left alone)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ..models import MatchStatus, ReconMatch, ReconRun
from ..registry import ReconItem
from .items import items_collect, lookback_period
from .rules import LEFT_KINDS, RULES, Candidate, candidate

logger = logging.getLogger(__name__)

SUGGESTIONS_PER_ITEM = 3


def candidates_find(items: dict[str, ReconItem], *, taken: set[str],
                    rejected: set[tuple[str, str]]) -> list[Candidate]:
    """Every candidate pair among the free items, by rule; amounts are looked up, not scanned."""
    by_money: dict[tuple[str, str], dict] = defaultdict(lambda: defaultdict(list))
    for item in items.values():
        if item.key not in taken and item.kind not in LEFT_KINDS:
            by_money[item.kind][(item.currency.upper(), abs(item.amount))].append(item)
    found = []
    for rule in RULES:
        for left in items.values():
            if left.kind != rule.left or left.key in taken:
                continue
            for right in by_money[rule.right].get((left.currency.upper(), abs(left.amount)), ()):
                if (left.key, right.key) in rejected:
                    continue
                pair = candidate(rule, left, right)
                if pair is not None:
                    found.append(pair)
    return found


def decide(candidates: list[Candidate]) -> dict[tuple[str, str], tuple[str, Candidate]]:
    """(left key, right key) -> (status, candidate): the auto-matches and the suggestions."""
    by_left: dict[str, list[Candidate]] = defaultdict(list)
    by_right: dict[str, list[Candidate]] = defaultdict(list)
    for c in candidates:
        by_left[c.left.key].append(c)
        by_right[c.right.key].append(c)
    decided: dict[tuple[str, str], tuple[str, Candidate]] = {}
    ranked = lambda cs: sorted(cs, key=lambda c: (-c.score, abs(c.distance), c.left.key, c.right.key))  # noqa: E731
    best = set()
    for group in (*by_left.values(), *by_right.values()):
        best.update((c.left.key, c.right.key) for c in ranked(group)[:SUGGESTIONS_PER_ITEM])
    for c in candidates:
        pair = (c.left.key, c.right.key)
        if len(by_left[c.left.key]) == 1 and len(by_right[c.right.key]) == 1:
            decided[pair] = (MatchStatus.MATCHED, c)
        elif pair in best:
            decided[pair] = (MatchStatus.SUGGESTED, c)
    return decided


def _fields(status: str, c: Candidate) -> dict:
    return {"rule": c.rule.name, "status": status, "score": c.score, "reasons": list(c.reasons),
            "left_kind": c.left.kind, "left_date": c.left.date, "left_amount": abs(c.left.amount),
            "left_label": (c.left.label or c.left.reference)[:300],
            "right_kind": c.right.kind, "right_date": c.right.date, "right_amount": abs(c.right.amount),
            "right_label": (c.right.label or c.right.reference)[:300], "currency": c.left.currency.upper()}


def _differs(match: ReconMatch, fields: dict) -> bool:
    return any(getattr(match, name) != value for name, value in fields.items())


def person_lock(user) -> None:
    """Inside a transaction: one writer of a person's matches at a time (a run, a confirmation,
    a pairing), so the engine never holds an item a confirmation is taking; the person's user
    row is the lock, and a second writer waits behind the first."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def reconciliation_run(user, *, trigger: str = "manual", today: date | None = None) -> ReconRun:
    """Run the engine for one person and return the run. A failing item source raises
    ItemSourceFailed before anything is written."""
    today = today or timezone.localdate()
    started = timezone.now()
    items = items_collect(user, lookback_period(today))
    with transaction.atomic():
        person_lock(user)
        existing = list(ReconMatch.objects.filter(user=user))
        locked = [m for m in existing if m.status == MatchStatus.CONFIRMED]
        rejected = {(m.left_key, m.right_key) for m in existing if m.status == MatchStatus.REJECTED}
        taken = {m.left_key for m in locked} | {m.right_key for m in locked}
        decided = decide(candidates_find(items, taken=taken, rejected=rejected))
        open_rows = {(m.left_key, m.right_key): m for m in existing
                     if m.status in (MatchStatus.SUGGESTED, MatchStatus.MATCHED)}

        gone = [m.pk for pair, m in open_rows.items() if pair not in decided]
        if gone:
            ReconMatch.objects.filter(pk__in=gone).delete()
        # Demotions before promotions, so an item is never held by two rows at once.
        order = sorted(decided.items(), key=lambda kv: kv[1][0] == MatchStatus.MATCHED)
        for (left_key, right_key), (status, c) in order:
            fields = _fields(status, c)
            row = open_rows.get((left_key, right_key))
            if row is None:
                ReconMatch.objects.create(user=user, left_key=left_key, right_key=right_key, **fields)
            elif _differs(row, fields):
                for name, value in fields.items():
                    setattr(row, name, value)
                row.save()
        statuses = [status for status, _ in decided.values()]
        run = ReconRun.objects.create(
            user=user, trigger=trigger, started_at=started, finished_at=timezone.now(), items=len(items),
            matched=statuses.count(MatchStatus.MATCHED), suggested=statuses.count(MatchStatus.SUGGESTED),
            locked=len(locked))
    logger.info("reconciliation run user=%s trigger=%s items=%s matched=%s suggested=%s locked=%s",
                user.pk, trigger, run.items, run.matched, run.suggested, run.locked)
    return run
