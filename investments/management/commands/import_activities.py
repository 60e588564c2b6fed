"""Import a statement file from the command line, through the same two services as the web and
the API: the preview (every row error, nothing imported) and then the confirmation.

    python manage.py import_activities --user alice@example.com trades.csv
    python manage.py import_activities --user alice --provider hargreaves_lansdown hl.csv --dry-run

Without --provider the file is read as the generic activities format (docs/statement-formats.md;
settings.IMPORT_ACTIVITIES_PROVIDER). A file with row errors prints them (line, column, message)
and exits non-zero with nothing imported; --dry-run stops after the preview and keeps nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from integrations_core.services.statements import StatementError, statement_confirm, statement_preview


class _DryRun(Exception):
    """Leaves the preview's transaction so that nothing of it is kept."""


class Command(BaseCommand):
    help = "Preview and import a statement file (the generic activities format by default) for a user."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV or JSON file.")
        parser.add_argument("--user", required=True, help="Whose portfolio: email or username.")
        parser.add_argument("--provider", default=settings.IMPORT_ACTIVITIES_PROVIDER,
                            help="The importer (a statement provider's slug); default: the activities format.")
        parser.add_argument("--account", default="", help="The account's name when the file does not say.")
        parser.add_argument("--dry-run", action="store_true", help="Preview only: report the rows and errors.")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(Q(email=options["user"]) | Q(username=options["user"])).first()
        if user is None:
            raise CommandError(f"no such user: {options['user']}")
        path = Path(options["file"])
        try:
            upload = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            if options["dry_run"]:
                try:
                    with transaction.atomic():
                        self._preview(user, options, path, upload)
                        raise _DryRun
                except _DryRun:
                    self.stdout.write("Dry run: nothing imported.")
                return
            preview = self._preview(user, options, path, upload)
            done = statement_confirm(preview)
        except StatementError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"Imported: {done.added} added, {done.unchanged} unchanged."))

    def _preview(self, user, options, path: Path, upload: bytes):
        preview = statement_preview(user=user, provider=options["provider"], upload=upload, filename=path.name,
                                    account_hint=options["account"])
        self.stdout.write(f"{preview.filename}: {preview.rows} rows, {len(preview.errors)} errors.")
        if preview.errors:
            for error in preview.errors:
                column = f", column {error['column']}" if error["column"] else ""
                self.stderr.write(f"line {error['line']}{column}: {error['message']}")
            # Raised inside a dry run's transaction too: the rejected preview is not kept either.
            raise CommandError("The file has errors: nothing imported. Fix them and run the command again.")
        return preview
