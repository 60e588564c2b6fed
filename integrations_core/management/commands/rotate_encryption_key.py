"""Re-encrypt every encrypted column under the current FIELD_ENCRYPTION_KEY.

Rotation: set FIELD_ENCRYPTION_KEY to the new key and FIELD_ENCRYPTION_OLD_KEYS to the old one,
deploy (both are readable now), run this command, then remove the old key.

It runs while the app is live: a sync may rotate a refresh token (or an old process still on the
old key may write one) between the moment this command reads a value and the moment it writes
the re-encrypted copy back. So every write is a compare-and-swap — `UPDATE ... WHERE pk = %s AND
column = <the ciphertext we read>` — in its own short transaction: a value that changed meanwhile
is never overwritten with the spent one; it is read again and, if it is not yet under the current
key, rotated in turn."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from integrations_core.fields import KeyRotationMixin, reencrypt_value

CHUNK = 500
MAX_ATTEMPTS = 5  # a row rewritten more often than this while we rotate it is left for the next run


def _rotate_row(table: str, pk: str, column: str, row_pk, raw: bytes) -> str:
    """'rotated', 'current' (already under the current key, or gone), or 'busy'."""
    for _ in range(MAX_ATTEMPTS):
        new, did_change = reencrypt_value(raw)
        if not did_change:
            return "current"
        with connection.cursor() as cursor:
            # Raw SQL: we move ciphertext to ciphertext and never need the plaintext as a Python
            # object beyond reencrypt_value. The ciphertext we read is the condition.
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",  # noqa: S608
                           [new, row_pk, raw])
            if cursor.rowcount == 1:
                return "rotated"
            # Someone wrote this value after we read it: theirs is newer. Read it again.
            cursor.execute(f"SELECT {column} FROM {table} WHERE {pk} = %s", [row_pk])  # noqa: S608
            found = cursor.fetchone()
        if found is None or found[0] is None:
            return "current"  # deleted, or erased (a disconnect), meanwhile
        raw = bytes(found[0])
    return "busy"


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the current key. Safe to run repeatedly, and while the app runs."

    def handle(self, *args, **options):
        total = busy = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, KeyRotationMixin)]
            if not fields:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            for field in fields:
                column = connection.ops.quote_name(field.column)
                changed = seen = 0
                last = None
                while True:
                    # Keyset pages in primary-key order, each read in one short statement.
                    where, params = f"{column} IS NOT NULL", []
                    if last is not None:
                        where, params = f"{where} AND {pk} > %s", [last]
                    with connection.cursor() as cursor:
                        cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {where} "  # noqa: S608
                                       f"ORDER BY {pk} LIMIT {CHUNK}", params)
                        rows = cursor.fetchall()
                    if not rows:
                        break
                    for row_pk, raw in rows:
                        outcome = _rotate_row(table, pk, column, row_pk, bytes(raw))
                        changed += outcome == "rotated"
                        busy += outcome == "busy"
                    seen += len(rows)
                    last = rows[-1][0]
                total += changed
                self.stdout.write(f"{model._meta.label}.{field.name}: re-encrypted {changed} of {seen}")
        if busy:
            # Still under an old key: dropping it now would lose them.
            raise CommandError(f"{busy} value(s) kept changing while we rotated them: run the command again "
                               f"before removing the old key ({total} re-encrypted)")
        self.stdout.write(self.style.SUCCESS(f"done: {total} value(s) re-encrypted"))
