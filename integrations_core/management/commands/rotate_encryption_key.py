"""Re-encrypt every encrypted column under the current FIELD_ENCRYPTION_KEY.

Rotation: set FIELD_ENCRYPTION_KEY to the new key and FIELD_ENCRYPTION_OLD_KEYS to the old one,
deploy (both are readable now), run this command, then remove the old key."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from integrations_core.fields import KeyRotationMixin, reencrypt_value


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the current key. Safe to run repeatedly."

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, KeyRotationMixin)]
            if not fields:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            for field in fields:
                column = connection.ops.quote_name(field.column)
                changed = 0
                with transaction.atomic():
                    # Raw SQL: we move ciphertext to ciphertext and never need the plaintext
                    # as a Python object beyond reencrypt_value.
                    with connection.cursor() as cursor:
                        cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
                        rows = cursor.fetchall()
                    for row_pk, raw in rows:
                        new, did_change = reencrypt_value(bytes(raw))
                        if did_change:
                            with connection.cursor() as cursor:
                                cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                                               [new, row_pk])
                            changed += 1
                total += changed
                self.stdout.write(f"{model._meta.label}.{field.name}: re-encrypted {changed} of {len(rows)}")
        self.stdout.write(self.style.SUCCESS(f"done: {total} value(s) re-encrypted"))
