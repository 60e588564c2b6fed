"""{{ code|category_label }} -> "Groceries"; {{ code|category_primary_label }} -> "Food and drink"."""

from __future__ import annotations

from django import template

from transactions.taxonomy import label_of, primary_of
from transactions.user_taxonomy import SEPARATOR, root_of

register = template.Library()


@register.filter
def category_label(code: str) -> str:
    if code and SEPARATOR in code:  # a person's own category: its name is in its code
        return code.rsplit(SEPARATOR, 1)[1].replace("_", " ").capitalize()
    return label_of(code) if code else "Not categorised"


@register.filter
def category_primary_label(code: str) -> str:
    primary = primary_of(root_of(code)) if code else ""
    return label_of(primary) if primary else ""
