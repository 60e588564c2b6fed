"""Statement imports (docs/design/family-agnostic-core.md, step 9): a file is previewed first
(parsed, its row errors shown, nothing but the preview written), then confirmed into a
connection through the portfolio writer, in one transaction. The same file is never imported
into the same connection twice."""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import asdict
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations_core.models import Connection, ConnectionStatus, StatementImport, StatementImportStatus
from integrations_core.person_cache import person_data_changed
from integrations_core.providers.base import Provider
from integrations_core.providers.registry import UnknownProvider, registry
from integrations_core.providers.sources import DEFAULT_STATEMENT_WRITER, ParsedStatement, StatementParser
from integrations_core.records_json import records_dump, records_load
from integrations_core.selectors import provider_is_enabled

from .audit import audit_record
from .connections import ProviderNotAvailable, connection_create

logger = logging.getLogger(__name__)

UPLOAD_OPTION = "upload"  # ParsedStatement.options key of a kept upload (base64)


class StatementError(Exception):
    """The file cannot be previewed or the preview cannot be imported; nothing was changed.
    `field` names the input at fault (the API answers a field error); `status` is the HTTP
    status the API answers with."""

    def __init__(self, code: str, message: str, *, field: str = "", status: int = 400):
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


def statement_parser_for(provider: Provider | str) -> Provider:
    """The provider as a statement parser, if it is one and is available."""
    try:
        provider = registry.get(provider) if isinstance(provider, str) else provider
    except UnknownProvider:
        raise StatementError("unknown_provider", "Unknown provider.", field="provider") from None
    if not isinstance(provider, StatementParser):
        raise StatementError("not_a_statement_provider", "This provider does not import statement files.",
                             field="provider")
    if not provider_is_enabled(provider.slug) or not provider.is_configured():
        raise StatementError("provider_unavailable", "This provider is not available right now.", field="provider")
    return provider


def statement_size_check(parser: StatementParser, size: int) -> None:
    """Refuse a file over the parser's `max_bytes` (checked before the file is read or parsed)."""
    if size > parser.max_bytes:
        raise StatementError("file_too_large", f"The file is larger than {_size(parser.max_bytes)}: "
                             f"upload a statement of at most that size.", field="file")


def statement_preview(*, user, provider: Provider | str, upload: bytes, filename: str,
                      account_hint: str = "", options: dict | None = None) -> StatementImport:
    """Parse the file and keep what it holds (encrypted) with every row error, for the person to
    check. Writes the StatementImport and nothing else. A file with row errors is `rejected`
    (it can be fixed and uploaded again); a file that cannot be read at all raises.
    `account_hint`: the account's name when the file does not say (parsers that take one).
    `options`: what else the person chose for this file (a bank CSV's column mapping, the date
    order, the account to import into), for parsers that take them; kept with the preview."""
    parser = statement_parser_for(provider)
    filename = (filename or "statement").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
    statement_size_check(parser, len(upload))
    if not upload:
        raise StatementError("file_empty", "The file is empty.", field="file")
    try:
        # The protocol's parse takes the file alone; a hint only goes to parsers that read one.
        extra = {**({"account_hint": account_hint} if account_hint else {}),
                 **({"options": dict(options)} if options else {})}
        parsed = parser.parse(upload, filename, **extra)
    except Exception:  # noqa: BLE001 - a parser must not raise; if one does, the file is unreadable
        logger.warning("statement parser raised provider=%s", parser.slug, exc_info=True)
        raise StatementError("file_unreadable", "We could not read this file. Is it the platform's "
                             "statement export?", field="file") from None
    if parsed.rows == 0:
        message = "; ".join(e.message for e in parsed.errors) or "The file holds no rows to import."
        raise StatementError("file_unreadable", message, field="file")
    errors = [asdict(error) for error in parsed.errors]
    if getattr(parser, "statement_keeps_upload", False):
        # The person may read the file again with other options (a bank CSV's columns) without
        # uploading it again: the bytes wait, encrypted, with the preview and go with its rows.
        parsed.options = {**parsed.options, UPLOAD_OPTION: base64.b64encode(upload).decode()}
    kept = records_dump(_without_errors(parsed)) if not errors else (
        records_dump(ParsedStatement(account=parsed.account, options=parsed.options))
        if UPLOAD_OPTION in parsed.options else {})
    return StatementImport.objects.create(
        user=user, provider=parser.slug, filename=filename, sha256=hashlib.sha256(upload).hexdigest(),
        size=len(upload), rows=parsed.rows, errors=errors,
        status=StatementImportStatus.REJECTED if errors else StatementImportStatus.PREVIEWED,
        records=kept,
        expires_at=timezone.now() + timedelta(seconds=settings.STATEMENT_IMPORT_TTL_SECONDS),
    )


def statement_reparse(statement_import: StatementImport, options: dict) -> StatementImport:
    """Read a kept upload again with other `options` (merged over the first ones): a new preview
    replaces this one. Only for providers that keep the upload (`statement_keeps_upload`)."""
    if statement_import.status == StatementImportStatus.IMPORTED:
        raise StatementError("already_imported", "This file has already been imported.", status=409)
    parsed = statement_parsed(statement_import)
    upload = (parsed.options or {}).get(UPLOAD_OPTION) if parsed is not None else None
    if not upload or statement_import.expires_at <= timezone.now():
        raise StatementError("expired", "This preview has expired. Upload the file again.", status=410)
    previous = {k: v for k, v in parsed.options.items() if k != UPLOAD_OPTION}
    fresh = statement_preview(user=statement_import.user, provider=statement_import.provider,
                              upload=base64.b64decode(upload), filename=statement_import.filename,
                              options={**previous, **options})
    statement_import.delete()
    return fresh


def statement_options(statement_import: StatementImport) -> dict:
    """What the person chose and the parser settled for this preview (never the kept upload)."""
    parsed = statement_parsed(statement_import)
    return {k: v for k, v in (parsed.options if parsed else {}).items() if k != UPLOAD_OPTION}


def statement_parsed(statement_import: StatementImport) -> ParsedStatement | None:
    """The parsed statement a preview holds (None once imported, expired or rejected)."""
    if not statement_import.records:
        return None
    return records_load(ParsedStatement, statement_import.records)


def statement_confirm(statement_import: StatementImport, *, connection: Connection | None = None) -> StatementImport:
    """Write a previewed file into `connection` (default: the user's connection to this
    provider, created if there is none) in one transaction. Refused, changing nothing, when the
    file has errors, the preview has expired, or this file is already in the connection."""
    expired = False
    with transaction.atomic():
        current = StatementImport.objects.select_for_update().get(pk=statement_import.pk)
        _confirmable(current)
        if current.expires_at <= timezone.now():
            current.status, current.records = StatementImportStatus.EXPIRED, {}
            current.save(update_fields=["status", "records"])
            expired = True
        else:
            provider = statement_parser_for(current.provider)
            target = _target_connection(current, provider, connection)
            if StatementImport.objects.filter(connection_id=target.pk, sha256=current.sha256,
                                              status=StatementImportStatus.IMPORTED).exists():
                raise StatementError("already_imported", "This file has already been imported.", status=409)
            # The provider names its writer (portfolio files: the portfolio writer; bank files:
            # the cash-statement writer), both in services/imports/. Imported here: the write
            # paths are heavier than this module needs for a preview.
            statement_import_write = import_string(getattr(provider, "statement_writer", DEFAULT_STATEMENT_WRITER))

            try:
                with transaction.atomic():
                    result = statement_import_write(target, statement_parsed(current))
                    current.status = StatementImportStatus.IMPORTED
                    current.connection_type = ContentType.objects.get_for_model(target)
                    current.connection_id = target.pk
                    current.added, current.unchanged = int(result["added"]), int(result["unchanged"])
                    current.imported_at = timezone.now()
                    current.records = {}  # written: the rows now live in the family's tables
                    current.save()
            except IntegrityError:  # the same file confirmed at the same moment elsewhere
                raise StatementError("already_imported", "This file has already been imported.",
                                     status=409) from None
            person_data_changed(current.user_id)
            audit_record("statement.imported", connection=target, actor=current.user,
                         details={"statement_import": str(current.pk), "rows": current.rows,
                                  "added": current.added, "unchanged": current.unchanged,
                                  "duplicates": int(result.get("duplicates", 0))})
    if expired:
        raise StatementError("expired", "This preview has expired. Upload the file again.", status=410)
    statement_import.refresh_from_db()
    return statement_import


def _confirmable(statement_import: StatementImport) -> None:
    if statement_import.status == StatementImportStatus.IMPORTED:
        raise StatementError("already_imported", "This file has already been imported.", status=409)
    if statement_import.errors or statement_import.status == StatementImportStatus.REJECTED:
        raise StatementError("has_errors", "The file has errors: fix them and upload it again.")
    if statement_import.status == StatementImportStatus.EXPIRED:
        raise StatementError("expired", "This preview has expired. Upload the file again.", status=410)


def _target_connection(statement_import: StatementImport, provider: Provider,
                       connection: Connection | None) -> Connection:
    model = apps.get_model(provider.connection_model)
    if connection is not None:
        # A bank statement may go into any of the person's bank connections (the file of an
        # account that is also synced), so the duplicates are found against its synced rows.
        other_provider = connection.provider != provider.slug and not getattr(
            provider, "statement_into_any_connection", False)
        if connection.provider != provider.slug and not other_provider:
            # Into another provider's connection only into one of its accounts, named at upload:
            # a file never adds an account to a connection its provider answers for.
            parsed = statement_parsed(statement_import)
            other_provider = parsed is None or not (parsed.options or {}).get("account")
        if (not isinstance(connection, model) or connection.user_id != statement_import.user_id
                or other_provider or connection.status == ConnectionStatus.REVOKED):
            raise StatementError("invalid_connection", "Import this file into one of your connections to "
                                 "this platform.", field="connection")
        return connection
    found = (model.objects.filter(user_id=statement_import.user_id, provider=provider.slug)
             .exclude(status=ConnectionStatus.REVOKED).order_by("created_at").first())
    if found is not None:
        return found
    try:
        created = connection_create(user=statement_import.user, provider_slug=provider.slug,
                                    institution_name=provider.name)
    except ProviderNotAvailable:
        raise StatementError("provider_unavailable", "This provider is not available right now.",
                             field="provider") from None
    # A file connection has nothing to authorise and nothing to fetch: active, never due a sync.
    created.status = ConnectionStatus.ACTIVE
    created.next_sync_at = None
    created.save(update_fields=["status", "next_sync_at", "updated_at"])
    return created


def _without_errors(parsed: ParsedStatement) -> ParsedStatement:
    return ParsedStatement(account=parsed.account, securities=parsed.securities, transactions=parsed.transactions,
                           snapshot=parsed.snapshot, errors=[], rows=parsed.rows,
                           cash_transactions=parsed.cash_transactions, balance=parsed.balance,
                           options=parsed.options)


def _size(limit: int) -> str:
    return f"{limit / 1_000_000:g} MB" if limit >= 1_000_000 else f"{limit / 1000:g} kB"
