"""The one write path for the register: an idempotent upsert keyed by `register_id`."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from .models import PensionScheme
from .names import name_normalise

# Register field -> model field (the id is the key, not a field to copy).
_FIELDS = {"name": "name", "kind": "kind", "former_names": "former_names", "brands": "brands",
           "employers": "employers", "administrator": "administrator", "website": "website", "phone": "phone",
           "email": "email", "postal_address": "postal_address", "notes": "notes", "sources": "sources",
           "active": "active"}
_DEFAULTS = {"former_names": [], "brands": [], "employers": [], "administrator": "", "website": "", "phone": "",
             "email": "", "postal_address": {}, "notes": "", "active": True}


@dataclass
class RegisterImportReport:
    feed: str
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)  # register_id -> changed fields
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        text = (f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged"
                + (f", {len(self.deactivated)} switched off" if self.deactivated else ""))
        return f"{text} (dry run, nothing written)" if self.dry_run else text


def scheme_search_text(values: dict) -> str:
    names = [values["name"], *values.get("former_names", []), *values.get("brands", []),
             *values.get("employers", []), values.get("administrator", "")]
    return " | ".join(dict.fromkeys(n for n in (name_normalise(x) for x in names if x) if n))


def _values(entry: dict) -> dict:
    values = {model: entry.get(key, _DEFAULTS.get(key)) for key, model in _FIELDS.items()}
    values["search_text"] = scheme_search_text(values)
    return values


@transaction.atomic
def register_upsert(entries: list[dict], *, feed: str, dry_run: bool = False,
                    deactivate_missing: bool = False) -> RegisterImportReport:
    """Create new ids, update changed ones (reporting which fields), leave equal ones alone.
    Rows are never deleted (a person's request may point at one); with deactivate_missing a row
    this feed wrote before and no longer lists is switched off instead."""
    report = RegisterImportReport(feed=feed, dry_run=dry_run)
    existing = {s.register_id: s for s in PensionScheme.objects.select_for_update().filter(
        register_id__in=[e["id"] for e in entries])}
    for entry in entries:
        values = _values(entry)
        scheme = existing.get(entry["id"])
        if scheme is None:
            if not dry_run:
                PensionScheme.objects.create(register_id=entry["id"], feed=feed, **values)
            report.created.append(entry["id"])
            continue
        changed = [name for name, value in values.items() if getattr(scheme, name) != value]
        if scheme.feed != feed:
            changed.append("feed")
        if not changed:
            report.unchanged.append(entry["id"])
            continue
        if not dry_run:
            for name, value in values.items():
                setattr(scheme, name, value)
            scheme.feed = feed
            scheme.save()
        report.updated[entry["id"]] = sorted(c for c in changed if c != "search_text") or ["search_text"]
    if deactivate_missing:
        listed = {e["id"] for e in entries}
        gone = PensionScheme.objects.filter(feed=feed, active=True).exclude(register_id__in=listed)
        report.deactivated = sorted(gone.values_list("register_id", flat=True))
        if not dry_run:
            gone.update(active=False)
    if dry_run:
        transaction.set_rollback(True)
    return report


def register_refresh(feed_slug: str | None = None, *, dry_run: bool = False) -> RegisterImportReport:
    """Fetch a feed (the configured one by default) and upsert what it returns."""
    from .feeds import register_feed_get

    feed = register_feed_get(feed_slug)
    return register_upsert(feed.fetch(), feed=feed.slug, dry_run=dry_run, deactivate_missing=True)
