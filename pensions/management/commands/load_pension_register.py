"""Load (or refresh) the pension register: the configured feed by default, or a file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...register.feeds import register_feed_slugs
from ...register.loader import RegisterInvalid, register_parse
from ...register.services import register_refresh, register_upsert


class Command(BaseCommand):
    help = "Upsert the pension register from a feed (default: the shipped file) or a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, help="A register JSON file to import instead of a feed.")
        parser.add_argument("--feed", help=f"Feed slug (known: {', '.join(register_feed_slugs())}).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")

    def handle(self, *args, file=None, feed=None, dry_run=False, **options):
        try:
            if file:
                report = register_upsert(register_parse(file.read_bytes()), feed="upload", dry_run=dry_run)
            else:
                report = register_refresh(feed, dry_run=dry_run)
        except RegisterInvalid as exc:
            raise CommandError("the register is not valid:\n  " + "\n  ".join(exc.errors[:50])) from exc
        except (LookupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        for register_id, fields in report.updated.items():
            self.stdout.write(f"updated {register_id}: {', '.join(fields)}")
        for register_id in report.created:
            self.stdout.write(f"created {register_id}")
        self.stdout.write(self.style.SUCCESS(f"pension register ({report.feed}): {report.summary()}"))
