"""Where the register comes from. Today: the file shipped in data/. A real feed (a licensed copy
of the TPR register, a partner's API) plugs in as another RegisterFeed: it returns a document in
the same schema, and the same upsert writes it, keyed by the same stable ids."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from django.conf import settings

from .loader import SHIPPED_REGISTER, register_parse


@runtime_checkable
class RegisterFeed(Protocol):
    slug: str
    name: str

    def fetch(self) -> list[dict]:
        """The feed's validated entries (raise loader.RegisterInvalid for a bad document)."""


class ShippedRegisterFeed:
    """The hand-curated file in pensions/register/data/register.json (every entry sourced)."""

    slug = "shipped"
    name = "Shipped register file"

    def __init__(self, path=SHIPPED_REGISTER):
        self.path = path

    def fetch(self) -> list[dict]:
        return register_parse(self.path.read_bytes())


_FEEDS: dict[str, RegisterFeed] = {}


def register_feed_add(feed: RegisterFeed) -> None:
    if not isinstance(feed, RegisterFeed):
        raise TypeError(f"{feed!r} is not a RegisterFeed")
    _FEEDS[feed.slug] = feed


def register_feed_remove(slug: str) -> None:
    _FEEDS.pop(slug, None)


def register_feed_get(slug: str | None = None) -> RegisterFeed:
    """The named feed, or the configured default (PENSION_REGISTER_FEED, "shipped")."""
    slug = slug or getattr(settings, "PENSION_REGISTER_FEED", ShippedRegisterFeed.slug)
    try:
        return _FEEDS[slug]
    except KeyError:
        raise LookupError(f"no pension register feed {slug!r}; known: {', '.join(sorted(_FEEDS))}") from None


def register_feed_slugs() -> list[str]:
    return sorted(_FEEDS)


register_feed_add(ShippedRegisterFeed())
