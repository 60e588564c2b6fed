"""The file-upload flow: the person uploads a statement file, checks the preview, confirms.
`start` previews (when the file came with the request) and `complete` confirms, both through
services/statements.py; the connection is created when the first file is confirmed."""

from __future__ import annotations

import uuid
from typing import Any

from django.urls import reverse

from integrations_core.models import Connection, StatementImport
from integrations_core.providers.base import Provider
from integrations_core.services.statements import StatementError, statement_confirm, statement_preview

from .base import ConnectError, ConnectStep


class FileUploadFlow:
    kind = "upload"

    def start(self, *, user, provider: Provider, data: dict[str, Any]) -> ConnectStep:
        """`data`: optionally `file` (bytes) and `filename`. Without a file: an upload step to
        show; with one: the same step carrying its preview (`statement_import`)."""
        preview = None
        if data.get("file") is not None:
            try:
                preview = statement_preview(user=user, provider=provider, upload=bytes(data["file"]),
                                            filename=str(data.get("filename") or ""))
            except StatementError as exc:
                raise _connect_error(exc) from None
        return ConnectStep(kind="upload", connection=None, url=reverse("statement-import-create"),
                           statement_import=preview)

    def complete(self, *, user, provider: Provider, connection: Connection | None,
                 data: dict[str, Any]) -> Connection:
        """`data["statement_import"]`: the id of this user's preview to import."""
        try:
            pk = uuid.UUID(str(data.get("statement_import")))
        except ValueError:
            raise ConnectError("not_found", "Not found.", status=404) from None
        found = StatementImport.objects.filter(pk=pk, user=user, provider=provider.slug).first()
        if found is None:
            raise ConnectError("not_found", "Not found.", status=404)
        try:
            imported = statement_confirm(found, connection=connection)
        except StatementError as exc:
            raise _connect_error(exc) from None
        return imported.connection


def _connect_error(exc: StatementError) -> ConnectError:
    return ConnectError(exc.code, exc.message, fields={exc.field: [exc.message]} if exc.field else None,
                        status=exc.status)
