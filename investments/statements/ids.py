"""Stable external ids for rows a platform gives no id of its own.

The id is a hash of the row's normalised content (our field names and their trimmed values, so
a file with its columns reordered yields the same ids) plus how many identical rows came before
it in the same file: two identical rows are two trades ("...-1", "...-2"), and re-importing the
same file, or an overlapping one, yields the same ids for the rows they share."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping


def _normalised(value: str) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


class RowIds:
    """One per file (and per table): `next(content)` returns the row's id."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._seen: Counter[str] = Counter()

    def next(self, content: Mapping[str, str]) -> str:
        parts = [self.namespace] + [f"{key}={_normalised(value)}" for key, value in sorted(content.items())]
        digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
        self._seen[digest] += 1
        return f"row:{digest}-{self._seen[digest]}"

    def provided(self, value: str) -> str:
        """The platform's own id, made unique within the file should it repeat ("ID-2")."""
        key = "id:" + value
        self._seen[key] += 1
        return value if self._seen[key] == 1 else f"{value}-{self._seen[key]}"
