"""Queries for the reconciliation pages and API, scoped to the person (another person's match
is a 404), and the overview they show: matches with both sides as they are now, and the
unmatched items of each side with their suggestions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import MatchStatus, ReconMatch, ReconRun
from .registry import ItemKind, ReconItem
from .services.items import items_collect, lookback_period
from .services.rules import LEFT_KINDS, RIGHT_KINDS


def match_list(user, *, status: str | None = None) -> QuerySet[ReconMatch]:
    qs = ReconMatch.objects.filter(user=user)
    return qs.filter(status=status) if status else qs


def match_get(user, pk) -> ReconMatch:
    return get_object_or_404(ReconMatch, pk=pk, user=user)


def last_run(user) -> ReconRun | None:
    return ReconRun.objects.filter(user=user).first()


@dataclass
class MatchView:
    match: ReconMatch
    left: ReconItem | None  # the item as it is now; None when it has gone
    right: ReconItem | None

    @property
    def changed(self) -> bool:
        """An item of a (locked) match changed or disappeared since the match was made."""
        return any(item is None or abs(item.amount) != amount or item.date != when
                   for item, amount, when in ((self.left, self.match.left_amount, self.match.left_date),
                                              (self.right, self.match.right_amount, self.match.right_date)))


@dataclass
class UnmatchedItem:
    item: ReconItem
    suggestions: list[MatchView] = field(default_factory=list)


@dataclass
class Overview:
    matched: list[MatchView]  # confirmed first, then automatic
    suggested: list[MatchView]
    unmatched_left: list[UnmatchedItem]  # payouts, invoice and bill payments no match holds
    unmatched_right: list[UnmatchedItem]  # bank lines and charges no match holds
    run: ReconRun | None

    @property
    def counts(self) -> dict[str, int]:
        return {"matched": len(self.matched), "suggested": len(self.suggested),
                "unmatched_left": len(self.unmatched_left), "unmatched_right": len(self.unmatched_right)}


def reconciliation_overview(user, *, today: date | None = None) -> Overview:
    items = items_collect(user, lookback_period(today or timezone.localdate()))
    rows = list(match_list(user).exclude(status=MatchStatus.REJECTED).order_by("-score", "-left_date"))
    views = [MatchView(m, items.get(m.left_key), items.get(m.right_key)) for m in rows]
    held = {k for v in views if v.match.status != MatchStatus.SUGGESTED for k in (v.match.left_key, v.match.right_key)}
    matched = sorted((v for v in views if v.match.status != MatchStatus.SUGGESTED),
                     key=lambda v: (v.match.status != MatchStatus.CONFIRMED, -v.match.left_date.toordinal()))
    suggested = [v for v in views if v.match.status == MatchStatus.SUGGESTED]
    by_key: dict[str, list[MatchView]] = defaultdict(list)
    for v in suggested:
        by_key[v.match.left_key].append(v)
        by_key[v.match.right_key].append(v)
    free = sorted((i for i in items.values() if i.key not in held), key=lambda i: (i.date, i.key), reverse=True)
    expected = _expected_right_kinds(items.values())
    return Overview(
        matched=matched, suggested=suggested,
        unmatched_left=[UnmatchedItem(i, by_key[i.key]) for i in free if i.kind in LEFT_KINDS],
        unmatched_right=[UnmatchedItem(i, by_key[i.key]) for i in free
                         if i.kind in RIGHT_KINDS and (i.kind in expected or by_key[i.key])],
        run=last_run(user))


def _expected_right_kinds(items) -> set[str]:
    """Which money-side kinds are worth listing as unmatched: bank credits always (money in
    should be explained); card charges only once invoice payments exist (a charge is only ever
    matched to an invoice, and without books every card payment would be listed); bank debits
    only once bill payments exist (the same for every card purchase). An item with a
    suggestion is listed whatever its kind."""
    kinds = {i.kind for i in items}
    expected = {ItemKind.BANK_CREDIT}
    if ItemKind.INVOICE_PAYMENT in kinds:
        expected.add(ItemKind.CHARGE)
    if ItemKind.BILL_PAYMENT in kinds:
        expected.add(ItemKind.BANK_DEBIT)
    return expected & RIGHT_KINDS
