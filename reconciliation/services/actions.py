"""What the person does with matches: confirm (lock), reject (never again), unmatch (unlock a
confirmed match and hand its items back to the engine), and pair two items by hand. Each one
re-runs the engine afterwards, so a rejection can let the other candidate become a unique
match, and a confirmation clears the suggestions its items had."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import MatchStatus, ReconMatch
from ..registry import ReconItem
from .engine import person_lock, reconciliation_run
from .items import items_collect, lookback_period
from .rules import LEFT_KINDS, RIGHT_KINDS, rule_for


class ActionRefused(Exception):
    """The action cannot be done in the match's state (the API answers 409 with field errors)."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, code: str = "conflict"):
        super().__init__(message)
        self.message, self.fields, self.code = message, fields or {}, code


def _held_elsewhere(user, match_pk, keys: dict[str, str], status: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for side, key in keys.items():
        lookup = {f"{side}_key": key}
        if ReconMatch.objects.filter(user=user, status=status, **lookup).exclude(pk=match_pk).exists():
            fields[f"{side}_key"] = ["This item is already in a confirmed match."]
    return fields


def _decide(match: ReconMatch, user, status: str) -> None:
    match.status = status
    match.decided_by = user
    match.decided_at = timezone.now()


def match_confirm(user, match: ReconMatch, *, rerun: bool = True) -> ReconMatch:
    """Lock the match. Its items leave every other suggestion; an automatic match either item
    was in gives way (the person's choice wins over the engine's)."""
    if match.status == MatchStatus.CONFIRMED:
        return match
    if match.status == MatchStatus.REJECTED:
        raise ActionRefused("This pair was rejected; pair the items by hand to match them.",
                            {"status": ["Rejected matches cannot be confirmed."]})
    with transaction.atomic():
        match = _current(user, match)
        if match.status == MatchStatus.CONFIRMED:
            return match
        if match.status == MatchStatus.REJECTED:
            raise ActionRefused("This pair was rejected meanwhile.",
                                {"status": ["Rejected matches cannot be confirmed."]})
        keys = {"left": match.left_key, "right": match.right_key}
        refused = _held_elsewhere(user, match.pk, keys, MatchStatus.CONFIRMED)
        if refused:
            raise ActionRefused("An item of this match is already in a confirmed match.", refused)
        ReconMatch.objects.filter(user=user, status__in=[MatchStatus.SUGGESTED, MatchStatus.MATCHED]).filter(
            _either(match)).exclude(pk=match.pk).delete()
        _decide(match, user, MatchStatus.CONFIRMED)
        match.save()
    if rerun:
        reconciliation_run(user, trigger="action")
    return match


def _current(user, match: ReconMatch) -> ReconMatch:
    """The match as it is now, under the person's lock (a run may have replaced it since the page
    was shown; saving the stale copy would bring it back)."""
    person_lock(user)
    current = ReconMatch.objects.filter(pk=match.pk, user=user).first()
    if current is None:
        raise ActionRefused("This match has changed since it was shown; look again.",
                            {"status": ["This match is no longer current."]})
    return current


def _either(match: ReconMatch) -> Q:
    return (Q(left_key=match.left_key) | Q(right_key=match.right_key) | Q(left_key=match.right_key)
            | Q(right_key=match.left_key))


def match_reject(user, match: ReconMatch, *, rerun: bool = True) -> ReconMatch:
    """Never suggest this pair again. A confirmed match is unmatched first (it is locked)."""
    if match.status == MatchStatus.REJECTED:
        return match
    with transaction.atomic():
        match = _current(user, match)
        if match.status == MatchStatus.CONFIRMED:
            raise ActionRefused("This match is confirmed (locked); unmatch it first.",
                                {"status": ["Confirmed matches are locked."]})
        _decide(match, user, MatchStatus.REJECTED)
        match.save()
    if rerun:
        reconciliation_run(user, trigger="action")
    return match


def match_unmatch(user, match: ReconMatch, *, rerun: bool = True) -> None:
    """Unlock a confirmed match: the row goes and its items are the engine's again (it may
    pair them again on its own if they are each other's only candidate; reject to stop that)."""
    with transaction.atomic():
        match = _current(user, match)
        if match.status != MatchStatus.CONFIRMED:
            raise ActionRefused("Only a confirmed match can be unmatched; reject a suggestion instead.",
                                {"status": ["Only confirmed matches can be unmatched."]})
        match.delete()
    if rerun:
        reconciliation_run(user, trigger="action")


def match_create(user, *, left_key: str, right_key: str) -> ReconMatch:
    """Pair two of the person's items by hand: confirmed at once. Both must be the person's
    (found among their items: another person's key is "not found", never a hint it exists),
    of kinds a rule pairs, in the same currency, and free of confirmed matches. The amounts may
    differ (a short payment the person accepts); the difference is written in the reasons."""
    items = items_collect(user, lookback_period(timezone.localdate()))
    left, right = items.get(left_key), items.get(right_key)
    fields: dict[str, list[str]] = {}
    if left is None or left.kind not in LEFT_KINDS:
        fields["left_key"] = ["No such payout, invoice payment or bill payment of yours."]
    if right is None or right.kind not in RIGHT_KINDS:
        fields["right_key"] = ["No such bank line or charge of yours."]
    if fields:
        raise ActionRefused("Unknown items.", fields, code="invalid")
    rule = rule_for(left.kind, right.kind)
    if rule is None:
        raise ActionRefused("These kinds of item are never matched.",
                            {"right_key": [f"A {left.kind.replace('_', ' ')} is not matched with a "
                                           f"{right.kind.replace('_', ' ')}."]}, code="invalid")
    if left.currency.upper() != right.currency.upper():
        raise ActionRefused("Different currencies.", {"right_key": ["Not in the same currency."]}, code="invalid")
    with transaction.atomic():
        person_lock(user)
        refused = _held_elsewhere(user, None, {"left": left_key, "right": right_key}, MatchStatus.CONFIRMED)
        if refused:
            raise ActionRefused("An item is already in a confirmed match.", refused)
        ReconMatch.objects.filter(user=user, status__in=[MatchStatus.SUGGESTED, MatchStatus.MATCHED]).filter(
            _either(ReconMatch(left_key=left_key, right_key=right_key))).delete()
        match = ReconMatch.objects.filter(user=user, left_key=left_key, right_key=right_key).first() or ReconMatch(
            user=user, left_key=left_key, right_key=right_key)
        _snapshot(match, rule.name, left, right)
        _decide(match, user, MatchStatus.CONFIRMED)
        try:
            with transaction.atomic():
                match.save()
        except IntegrityError:  # a concurrent confirmation took an item first
            raise ActionRefused("An item is already in a confirmed match.", {"left_key": ["Taken."]}) from None
    reconciliation_run(user, trigger="action")
    return match


def _snapshot(match: ReconMatch, rule: str, left: ReconItem, right: ReconItem) -> None:
    difference = abs(left.amount) - abs(right.amount)
    match.rule, match.score = rule, 1
    match.reasons = ["Paired by hand"] + ([f"Amounts differ by {abs(difference)} {left.currency.upper()}"]
                                          if difference else [])
    match.left_kind, match.left_date, match.left_amount = left.kind, left.date, abs(left.amount)
    match.left_label = (left.label or left.reference)[:300]
    match.right_kind, match.right_date, match.right_amount = right.kind, right.date, abs(right.amount)
    match.right_label = (right.label or right.reference)[:300]
    match.currency = left.currency.upper()


