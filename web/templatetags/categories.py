"""{{ code|category_label }} -> "Groceries"; {{ code|category_primary_label }} -> "Food and drink"."""

from __future__ import annotations

from django import template

from transactions.taxonomy import label_of, primary_of

register = template.Library()


@register.filter
def category_label(code: str) -> str:
    return label_of(code) if code else "Not categorised"


@register.filter
def category_primary_label(code: str) -> str:
    return label_of(primary_of(code)) if code and primary_of(code) else ""
