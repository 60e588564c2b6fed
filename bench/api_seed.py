"""Seeding for the API benchmark: one person with N transactions over 10 accounts, written with
psycopg COPY (the ORM would take minutes at a million rows), then ANALYZE.

Rows look like a real statement: descriptions, amounts and categories drawn from the labelled
set the categoriser is evaluated on (so `category` filters hit real codes in real proportions),
a store number or payment reference on most lines, a merchant name on card payments, a raw
payload of about the size TrueLayer sends, and a few days of pending rows at the end."""

from __future__ import annotations

import json
import random
import uuid
from datetime import timedelta
from pathlib import Path

from bench.harness import Timer

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "transactions" / "data" / "labelled.jsonl"
DAYS = 3 * 365
ACCOUNTS = [  # (provider, institution, account name, type, share of the rows)
    ("truelayer", "Monzo", "Monzo Current", "current", 0.22),
    ("truelayer", "Monzo", "Monzo Savings", "savings", 0.03),
    ("gocardless", "HSBC UK", "HSBC Advance", "current", 0.18),
    ("gocardless", "HSBC UK", "HSBC Saver", "savings", 0.02),
    ("gocardless", "HSBC UK", "HSBC Credit Card", "credit_card", 0.12),
    ("truelayer", "Barclays", "Barclays Current", "current", 0.15),
    ("truelayer", "Barclays", "Barclaycard", "credit_card", 0.10),
    ("truelayer", "Amex", "Amex Gold", "credit_card", 0.08),
    ("gocardless", "Nationwide", "FlexDirect", "current", 0.08),
    ("gocardless", "Nationwide", "Nationwide Saver", "savings", 0.02),
]
COLUMNS = ["id", "account_id", "external_id", "provider_transaction_id", "fingerprint", "booked_date", "amount",
           "currency", "original_currency", "description", "merchant_name", "category", "category_source",
           "provider_category", "mcc", "status", "notes", "locked_fields", "raw", "created_at", "updated_at"]


def labelled() -> list[dict]:
    return [json.loads(line) for line in LABELLED.read_text().splitlines() if line.strip()]


def _copy_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def seed_users(people: list[tuple[str, int]], seed: int = 3) -> list[tuple]:
    """For each (username, total): the person, their connections and 10 accounts, and `total`
    transactions, all written in one COPY. Returns [(user, accounts)]."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from open_banking.models import BankAccount, BankConnection

    out = []
    for username, _total in people:
        user = get_user_model().objects.create_user(username=username, email=f"{username}@example.com",
                                                    password="bench-password-0")
        connections, accounts = {}, []
        for i, (provider, institution, name, kind, _share) in enumerate(ACCOUNTS):
            key = (provider, institution)
            if key not in connections:
                connections[key] = BankConnection.objects.create(
                    user=user, provider=provider, status="active", institution_name=institution,
                    consent_expires_at=timezone.now() + timedelta(days=80), last_synced_at=timezone.now())
            accounts.append(BankAccount.objects.create(connection=connections[key], external_id=f"bench-acc-{i}",
                                                       name=name, type=kind, currency="GBP"))
        out.append((user, accounts))
    _copy_transactions([(accounts, total) for (_, accounts), (_, total) in zip(out, people, strict=True)], seed)
    return out


def _rows(accounts, total: int, rng: random.Random):
    """Yields COPY text lines, oldest first per account (the order a sync writes them)."""
    from django.utils import timezone

    pool = [r for r in labelled() if r["currency"] == "GBP"] or labelled()
    first = timezone.localdate() - timedelta(days=DAYS - 1)
    dates = [(first + timedelta(days=d)).isoformat() for d in range(DAYS)]
    now = timezone.now().isoformat()
    bits = rng.getrandbits
    for account, (_p, institution, _n, _k, share) in zip(accounts, ACCOUNTS, strict=True):
        count = round(total * share) if account is not accounts[-1] else total - sum(
            round(total * a[4]) for a in ACCOUNTS[:-1])
        account_id = str(account.pk)
        for i in range(count):
            row = pool[bits(20) % len(pool)]
            day = i * DAYS // count
            pending = day >= DAYS - 2 and bits(2) == 0
            description = row["description"]
            if bits(2):  # three lines in four carry a store number or a reference
                description = f"{description} {bits(20) % 999_983:06d}"
            merchant = description.split(" ")[0].title() if bits(1) else ""
            amount = row["amount"] if bits(3) else f"{-(bits(16) % 50_000) / 100:.2f}"
            external = f"seed-{i}"
            raw = json.dumps({"transaction_id": external, "timestamp": f"{dates[day]}T00:00:00+00:00",
                              "description": description, "amount": float(amount), "currency": "GBP",
                              "transaction_type": "DEBIT" if amount.startswith("-") else "CREDIT",
                              "transaction_category": "PURCHASE", "transaction_classification": [],
                              "meta": {"provider_transaction_category": "DEB", "provider_id": institution}})
            yield "\t".join([
                str(uuid.UUID(int=bits(128), version=4)), account_id, external, external, f"{bits(256):064x}",
                dates[day], amount, "GBP", "", _copy_text(description), _copy_text(merchant),
                "" if pending else row["label"], "" if pending else "rule", "", "",
                "pending" if pending else "booked", "", "[]", _copy_text(raw), now, now,
            ]) + "\n"


def _copy_transactions(batches: list[tuple[list, int]], seed: int) -> None:
    """COPY with the table's secondary indexes dropped and rebuilt afterwards: building an index
    over a million sorted keys is several times faster than a million index inserts."""
    from django.db import connection, transaction

    from open_banking.models import BankTransaction

    table = BankTransaction._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS ("
            "SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)", [table])
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        sql = f'COPY "{table}" ({", ".join(COLUMNS)}) FROM STDIN'  # noqa: S608
        with Timer() as copy_time, cursor.cursor.copy(sql) as copy:
            batch = []
            rng = random.Random(seed)
            for accounts, total in batches:
                for line in _rows(accounts, total, rng):
                    batch.append(line)
                    if len(batch) == 20_000:
                        copy.write("".join(batch))
                        batch = []
            copy.write("".join(batch))
    # Rebuilt after the COPY commits: its deferred foreign-key checks must have run first.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        with Timer() as index_time:
            for _, definition in indexes:
                cursor.execute(definition)
    with connection.cursor() as cursor:
        cursor.execute(f'VACUUM ANALYZE "{table}"')
        cursor.execute('ANALYZE "open_banking_bankaccount"')
        cursor.execute('ANALYZE "open_banking_bankconnection"')
    total = sum(n for _, n in batches)
    print(f"seeded {total:,} transactions: COPY {copy_time.seconds:.1f}s, "
          f"{len(indexes)} secondary indexes rebuilt in {index_time.seconds:.1f}s")
