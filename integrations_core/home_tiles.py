"""The home screen's tiles: a registry the families (and the transactions app) add to, so the
home screen itself names no family and needs no edit when one joins.

A tile is a slug, a title, an order, the URL name of the page it links to, the template that
draws it, and a `data(user, today)` function answering a plain dict (Decimals and dates are fine:
the API's JSON renderer writes them as strings) or None when the tile has nothing to show for
this person (the page then shows the tile's empty text, and the API says `"empty": true`).

Registration: an installed app puts its tiles in `<app>/tiles.py` and calls `register(...)` at
import time; `tiles()` imports every installed app's `tiles` module once (Django's
`autodiscover_modules`, the admin's own pattern), so adding a family's tile is a new file in that
family, nothing else. See docs/home.md."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HomeTile:
    slug: str
    title: str
    data: Callable[..., dict | None]  # (user, today) -> the tile's figures, None when empty
    template: str
    link: str  # URL name of the page the tile links to
    link_label: str
    order: int = 100  # smaller first
    empty_text: str = "Nothing here yet."
    wide: bool = False  # spans two columns on a wide screen


@dataclass(frozen=True)
class TileResult:
    tile: HomeTile
    data: dict | None

    @property
    def empty(self) -> bool:
        return self.data is None


_tiles: dict[str, HomeTile] = {}
_discovered = False
_lock = threading.Lock()


def register(tile: HomeTile) -> HomeTile:
    """Add (or, for the same slug, replace: a module re-imported in a test) a tile."""
    _tiles[tile.slug] = tile
    return tile


def unregister(slug: str) -> None:
    _tiles.pop(slug, None)


def tiles() -> list[HomeTile]:
    global _discovered
    if not _discovered:
        with _lock:
            if not _discovered:
                autodiscover_modules("tiles")
                _discovered = True
    return sorted(_tiles.values(), key=lambda t: (t.order, t.slug))


def home_tiles_for(user, *, today: date) -> list[TileResult]:
    """Every tile's data for one person. A tile that fails is shown empty and logged: one
    family's bug must not take the whole home screen down."""
    results = []
    for tile in tiles():
        try:
            data = tile.data(user, today)
        except Exception:
            logger.exception("home tile %s failed", tile.slug)
            data = None
        results.append(TileResult(tile=tile, data=data))
    return results


def plain(value):
    """A tile's data as JSON-ready values: Decimals as strings (money is never a float, not even
    in JSON), dates and datetimes in ISO 8601."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    return value
