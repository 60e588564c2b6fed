"""The filters a person's transaction list offers beyond dates and categories (amount, tag,
hidden rows), and the totals of whatever the filters left. Shared by the web list and the API,
so both answer the same question the same way. Family-agnostic: works on any categorised
ledger's transaction queryset."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from .amounts import amount_query


def transactions_refine(queryset: QuerySet, *, amount: str = "", tag: str = "", hidden: str = "") -> QuerySet:
    """`amount`: see amounts.py (AmountQueryError when it is not one). `tag`: rows with that tag.
    `hidden`: "" leaves hidden rows out, "include" shows them too, "only" shows only them."""
    if amount.strip():
        queryset = queryset.filter(amount_query(amount))
    if tag.strip():
        queryset = queryset.filter(details__tags_index__contains=f",{tag.strip().lower()},")
    if hidden == "only":
        queryset = queryset.filter(details__hidden=True)
    elif hidden != "include":
        queryset = queryset.exclude(details__hidden=True)
    return queryset


def transactions_totals(queryset: QuerySet) -> list[dict]:
    """Money in and out of the filtered rows, one line per currency (never added across):
    [{"currency", "money_in", "money_out" (negative), "net", "count"}]."""
    rows = (queryset.order_by().values("currency")
            .annotate(money_in=Sum("amount", filter=Q(amount__gt=0)), money_out=Sum("amount", filter=Q(amount__lt=0)),
                      count=Count("id")))
    out = []
    for row in sorted(rows, key=lambda r: (-r["count"], r["currency"])):
        money_in, money_out = row["money_in"] or Decimal("0"), row["money_out"] or Decimal("0")
        out.append({"currency": row["currency"], "money_in": money_in, "money_out": money_out,
                    "net": money_in + money_out, "count": row["count"]})
    return out
