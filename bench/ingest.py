"""Ingest: mapped records → import service (dedupe, pending claim, categorise hook, bulk upsert)
→ rows, first sync and re-sync; against the raw limit of COPY into a staging table + INSERT ... ON
CONFLICT for the same rows."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import Decimal

from bench.harness import Timer, print_table

MERCHANTS = ["TESCO STORES 3297", "SAINSBURYS S/MKTS", "TFL TRAVEL CH", "AMAZON.CO.UK*2K4", "PRET A MANGER",
             "NETFLIX.COM", "SPOTIFY", "DELIVEROO", "COSTA COFFEE", "SHELL 1234", "BRITISH GAS", "ACME LTD SALARY"]


def make_records(accounts: int, per_account: int, seed: int = 7):
    from integrations_core.records import TransactionRecord

    rng = random.Random(seed)
    start = date(2025, 1, 1)
    out = []
    for a in range(accounts):
        rows = []
        for i in range(per_account):
            day = start + timedelta(days=i * 365 // per_account)
            amount = Decimal(rng.randint(-20000, 5000)) / 100
            rows.append(TransactionRecord(
                external_id=f"a{a}-t{i}", booked_date=day, amount=amount, currency="GBP",
                description=f"{rng.choice(MERCHANTS)} {rng.randint(1, 999)}", merchant_name="",
                raw={"transaction_id": f"a{a}-t{i}"},
            ))
        out.append(rows)
    return out


def setup_accounts(n: int):
    from django.contrib.auth import get_user_model

    from integrations_core.records import AccountRecord
    from integrations_core.services.imports import account_upsert
    from open_banking.models import BankConnection

    user, _ = get_user_model().objects.get_or_create(username="bench-ingest", email="bench-ingest@example.com")
    connection = BankConnection.objects.create(user=user, provider="truelayer", status="active")
    return connection, [account_upsert(connection, AccountRecord(external_id=f"acc-{i}", name=f"Account {i}",
                                                                 type="current", currency="GBP"))
                        for i in range(n)]


def import_all(accounts, records, with_hooks: bool = True) -> tuple[float, int, int]:
    from django.db import transaction

    from integrations_core.records import AccountData
    from integrations_core.services.imports import account_data_import
    from integrations_core.services.sync import _post_import_hooks
    from transactions import hooks as transactions_hooks

    # The categorise hook queues budget alerts and recurring detection after commit, outside the
    # sync's critical path; with no worker here they would pile up in the dev broker.
    transactions_hooks._after_commit = lambda user_id: None
    from django.conf import settings

    hooks = _post_import_hooks() if with_hooks else []
    # "Import alone" means no categorising at all: switch the pre-insert hook off too.
    pre_insert = settings.SYNC_PRE_INSERT_HOOKS
    settings.SYNC_PRE_INSERT_HOOKS = pre_insert if with_hooks else []
    try:
        return _timed_import(accounts, records, hooks, account_data_import, AccountData, transaction)
    finally:
        settings.SYNC_PRE_INSERT_HOOKS = pre_insert


def _timed_import(accounts, records, hooks, account_data_import, AccountData, transaction):  # noqa: N803
    added = updated = 0
    with Timer() as t:
        for account, rows in zip(accounts, records, strict=True):
            data = AccountData(account=None, booked=rows, pending=[])
            with transaction.atomic():
                result = account_data_import(account, data)
                for hook in hooks:
                    hook(account=account, data=data, result=result)
            added += result.added
            updated += result.updated
    return t.seconds, added, updated


def raw_limit(accounts, records) -> float:
    """psycopg COPY into a temp staging table, then one INSERT ... ON CONFLICT into the real table."""
    import uuid

    from django.db import connection, transaction

    from integrations_core.services.imports import fingerprint
    from open_banking.models import BankTransaction

    table = BankTransaction._meta.db_table
    buf = io.StringIO()
    for account, rows in zip(accounts, records, strict=True):
        for r in rows:
            buf.write("\t".join([str(uuid.uuid4()), account.pk.hex, "raw-" + r.external_id, fingerprint(r, 0),
                                 r.booked_date.isoformat(), str(r.amount), r.currency, r.description]) + "\n")
    data = buf.getvalue()
    with Timer() as t, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE staging (id uuid, account_id uuid, external_id text, fingerprint text, "
                       "booked_date date, amount numeric, currency text, description text) ON COMMIT DROP")
        with cursor.cursor.copy("COPY staging FROM STDIN") as copy:
            copy.write(data)
        cursor.execute(
            f"INSERT INTO {table} (id, account_id, external_id, provider_transaction_id, fingerprint, booked_date, "  # noqa: S608
            "amount, currency, original_currency, description, merchant_name, category, category_source, "
            "provider_category, mcc, status, notes, locked_fields, raw, created_at, updated_at) "
            "SELECT id, account_id, external_id, '', fingerprint, booked_date, amount, currency, '', description, "
            "'', '', '', '', '', 'booked', '', '[]'::jsonb, '{}'::jsonb, now(), now() FROM staging "
            "ON CONFLICT (account_id, external_id) DO UPDATE SET amount = EXCLUDED.amount, "
            "description = EXCLUDED.description, updated_at = now()"
        )
    return t.seconds


def run(quick: bool) -> None:
    from django.db import connection

    n_accounts, per_account = (20, 500) if quick else (100, 2000)
    total = n_accounts * per_account
    records = make_records(n_accounts, per_account)
    _, accounts = setup_accounts(n_accounts)
    first, added, _ = import_all(accounts, records, with_hooks=False)
    again, re_added, re_updated = import_all(accounts, records, with_hooks=False)
    _, hooked_accounts = setup_accounts(n_accounts)
    import_all(hooked_accounts[:1], records[:1])  # warm up: model loading is a one-off per worker
    hooked, hooked_added, _ = import_all(hooked_accounts[1:], records[1:])
    hooked_total = total - len(records[0])
    rows = [
        ["import service: first sync", total, first, total / first, added],
        ["import service: re-sync (no changes)", total, again, total / again, re_added + re_updated],
        ["import + categorise hook: first sync", hooked_total, hooked, hooked_total / hooked, hooked_added],
    ]
    ratio = None
    if connection.vendor == "postgresql":
        _, raw_accounts = setup_accounts(n_accounts)
        raw = raw_limit(raw_accounts, records)
        rows.append(["raw limit: COPY + INSERT ON CONFLICT", total, raw, total / raw, total])
        ratio = (total / first) / (total / raw)
    print(f"categorising inside the sync adds {hooked / hooked_total / (first / total) - 1:.0%} to ingest time")
    print_table(f"Ingest: {total:,} transactions across {n_accounts} accounts ({connection.vendor})",
                ["path", "rows", "seconds", "rows/s", "rows written"], rows)
    if ratio is not None:
        print(f"import service first sync = {ratio:.0%} of the raw limit (target >= 40%)")
