"""The taxonomy as one person sees it: the shared codes plus their own categories.

A custom code is its parent's code, a double underscore and its own name
(`FOOD_AND_DRINK_COFFEE__FLAT_WHITES`, and under that `FOOD_AND_DRINK_COFFEE__FLAT_WHITES__OAT`), so
the taxonomy entry it hangs from is the part before the first `__`: its primary, its kind (is it
spending?) and where a budget on a parent reaches are read off the code with no lookup. Only the
label needs the person's rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from transactions import taxonomy

SEPARATOR = "__"
MAX_CODE = 80


def root_of(code: str) -> str:
    """The taxonomy code a (possibly custom) code hangs from."""
    return code.split(SEPARATOR, 1)[0]


def is_custom(code: str) -> bool:
    return SEPARATOR in code


def kind_of(code: str) -> str:
    return taxonomy.kind_of(root_of(code))


def primary_of(code: str) -> str:
    return taxonomy.primary_of(root_of(code))


def code_for(parent: str, label: str) -> str:
    """The code a new category under `parent` called `label` gets."""
    slug = re.sub(r"[^A-Z0-9]+", "_", label.upper()).strip("_")[:40] or "CUSTOM"
    return f"{parent}{SEPARATOR}{slug}"


@dataclass
class UserTaxonomy:
    """{code: label} of the person's own categories, plus the shared taxonomy's answers."""

    custom: dict[str, str] = field(default_factory=dict)

    def is_valid(self, code: str) -> bool:
        return taxonomy.is_valid(code) or code in self.custom

    def label_of(self, code: str) -> str:
        if code in self.custom:
            return self.custom[code]
        return taxonomy.label_of(code)

    def path_label(self, code: str) -> str:
        """"Coffee › Flat whites": a custom code's label with its parents'."""
        if not is_custom(code):
            return self.label_of(code)
        parent = code.rsplit(SEPARATOR, 1)[0]
        return f"{self.path_label(parent)} › {self.label_of(code)}"

    def codes_under(self, code: str) -> tuple[str, ...]:
        """Every stored code a budget or filter on `code` covers: the taxonomy's, and the
        person's categories beneath any of them."""
        if is_custom(code):
            base: tuple[str, ...] = (code,) if code in self.custom else ()
            return base + tuple(c for c in self.custom if c.startswith(code + SEPARATOR))
        shared = taxonomy.codes_under(code)
        if not shared:
            return ()
        return shared + tuple(c for c in self.custom if root_of(c) in shared)

    def custom_codes_of_kind(self, kind: str) -> tuple[str, ...]:
        return tuple(c for c in self.custom if kind_of(c) == kind)


def user_taxonomy(user) -> UserTaxonomy:
    from transactions.models import CustomCategory

    if user is None or not getattr(user, "pk", None):
        return UserTaxonomy()
    return UserTaxonomy(dict(CustomCategory.objects.filter(user=user).values_list("code", "label")))
