"""Indexes: what each secondary index of the bank transactions table costs at ingest and what it
buys on the queries that use it (PostgreSQL).

One person with N transactions over 10 accounts (bench/api_seed.py; 300,000 by default, 30,000
with --quick, BENCH_INDEXES_ROWS=N), ANALYZEd. Then, for "all indexes" and for each secondary
index in turn dropped (inside a transaction that is rolled back: PostgreSQL's DDL is
transactional, so the table is never changed):

- ingest: COPY of 10,000 new rows into the real table (what the import service does), three
  times; the cost is the database backend's CPU (utime + stime of its process, from /proc, so a
  loaded machine moves it far less than wall time), reported per 1,000 rows, and the index's cost
  is "all" minus "without it";
- reads: the queries the API and the sync run that an index could serve (SQL built from the real
  selectors and filters), each timed by EXPLAIN ANALYZE's own execution time (median of 5), and
  the plan's first index named.

It also measures the two-expression trigram index against one trigram index on a single
maintained search column and against the same index with GIN fastupdate off (its pending list
off), for the same ingest and search queries. Nothing here is a test: it prints tables."""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid

from bench.harness import print_table

INGEST_ROWS = 10_000
INGEST_REPEATS = 3
READ_REPEATS = 5


def _backend_cpu(cursor) -> float:
    """The database backend's own CPU seconds so far (it runs on this machine)."""
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS ("
        "SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass) "
        "ORDER BY i.indexname", [table])
    return cursor.fetchall()


def _ingest_lines(account_id: str, start: int) -> str:
    from bench.api_seed import labelled

    pool = [r for r in labelled() if r["currency"] == "GBP"]
    now = "2026-12-01T00:00:00+00:00"
    lines = []
    for i in range(INGEST_ROWS):
        row = pool[(start + i) * 7919 % len(pool)]
        external = f"ingest-{start + i}"
        description = f"{row['description']} {(start + i) % 999_983:06d}"
        merchant = description.split(" ")[0].title() if i % 2 else ""
        raw = json.dumps({"transaction_id": external, "description": description, "amount": row["amount"]})
        lines.append("\t".join([
            str(uuid.uuid4()), account_id, external, external, uuid.uuid4().hex * 2, "2026-11-30",
            row["amount"], "GBP", "", description, merchant, row["label"], "rule", "", "", "booked", "", "[]",
            raw, now, now]) + "\n")
    return "".join(lines)


def _ingest(cursor, table: str, account_id: str, counter: list) -> tuple[float, float]:
    """(backend CPU s, wall s) for one COPY of INGEST_ROWS rows (rolled back by the caller)."""
    from bench.api_seed import COLUMNS

    data = _ingest_lines(account_id, counter[0])
    counter[0] += INGEST_ROWS
    cpu, wall = _backend_cpu(cursor), time.perf_counter()
    with cursor.cursor.copy(f'COPY "{table}" ({", ".join(COLUMNS)}) FROM STDIN') as copy:  # noqa: S608
        copy.write(data)
    # Time inside the server, not the client's: make the backend finish (and flush any GIN
    # pending list that filled) before reading its CPU.
    cursor.execute("SELECT 1")
    return _backend_cpu(cursor) - cpu, time.perf_counter() - wall


def _queries(user, accounts) -> dict[str, tuple[str, list]]:
    """The reads an index could serve, as the application builds them (SQL, params)."""
    from django.db import connection
    from django.db.models import Q
    from django.test.utils import CaptureQueriesContext

    from integrations_core.models import TransactionStatus
    from integrations_core.services.imports import sync_window_start
    from open_banking.api.filters import BankTransactionFilter
    from open_banking.models import BankTransaction
    from open_banking.selectors import bank_transaction_rows
    from transactions.selectors.transactions import bank_transactions_for_user

    page = ("-booked_date", "-id")

    def listed(params: dict, account=None, after=None):
        qs = bank_transaction_rows(user, account=account)
        qs = BankTransactionFilter(params, queryset=qs).qs
        if after is not None:
            qs = qs.filter(after)
        return qs.order_by(*page)[:51]

    busiest = accounts[0]
    newest = bank_transaction_rows(user).order_by(*page).values_list("booked_date", "id")[500]
    out = {
        "list: first page (all accounts)": listed({}),
        "list: a later page (cursor seek)": listed({}, after=Q(booked_date__lt=newest[0]) | Q(
            booked_date=newest[0], id__lt=newest[1])),
        "list: one account": listed({}, account=busiest),
        "list: ?category=groceries": listed({"category": "FOOD_AND_DRINK_GROCERIES"}),
        "list: ?category=rare (entertainment music)": listed({"category": "ENTERTAINMENT_MUSIC"}),
        "list: ?date_from/date_to (one month)": listed({"date_from": "2025-06-01", "date_to": "2025-06-30"}),
        "list: ?search=tesco": listed({"search": "tesco"}),
        "list: ?search=netflix": listed({"search": "netflix"}),
        "list: ?search=rare word (zzqx)": listed({"search": "zzqx"}),
        "sync: open pending rows of an account": BankTransaction.objects.filter(
            account=busiest, status=TransactionStatus.PENDING),
        "transactions app list (-booked_date, -created_at)": bank_transactions_for_user(user).order_by(
            "-booked_date", "-created_at")[:51],
    }
    sql = {label: qs.query.sql_with_params() for label, qs in out.items()}
    # The sync's window look-up is an aggregate: its SQL as the import runs it.
    with CaptureQueriesContext(connection) as captured:
        sync_window_start(busiest, overlap_days=10, settlement_max_days=10, history_max_days=90)
    sql["sync: window (last booked date) of an account"] = (captured.captured_queries[-1]["sql"], None)
    return sql


def _explain(cursor, sql: str, params) -> tuple[float, str]:
    times, first_index = [], ""
    for _ in range(READ_REPEATS):
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)  # noqa: S608 (the app's own SQL)
        plan = cursor.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
        times.append(plan["Execution Time"])
        if not first_index:
            first_index = _first_index(plan["Plan"])
    return statistics.median(times), first_index


def _short(name: str) -> str:
    return name.removeprefix("ob_txn_").removeprefix("open_banking_banktransaction_")


def _first_index(node: dict) -> str:
    if node.get("Index Name"):
        return node["Index Name"]
    if node.get("Node Type") == "Seq Scan":
        return "(seq scan)"
    for child in node.get("Plans", []):
        found = _first_index(child)
        if found:
            return found
    return ""


SEARCH_COLUMN = "bench_search"
# One maintained column instead of two indexed expressions: both texts upper-cased once, joined by
# a control character no search term contains (so a term cannot match across the two).
SEARCH_COLUMN_SETUP = [
    f"ALTER TABLE {{table}} ADD COLUMN {SEARCH_COLUMN} text GENERATED ALWAYS AS "
    "(UPPER(description || chr(31) || merchant_name)) STORED",
    f"CREATE INDEX bench_search_trgm ON {{table}} USING gin ({SEARCH_COLUMN} gin_trgm_ops)",
]


def _search_column_queries(user, terms: dict[str, str]) -> dict[str, tuple[str, list]]:
    from open_banking.selectors import bank_transaction_rows

    return {label: bank_transaction_rows(user).extra(where=[f"{SEARCH_COLUMN} LIKE %s"],  # noqa: S610
                                                     params=[f"%{term.upper()}%"])
            .order_by("-booked_date", "-id")[:51].query.sql_with_params() for label, term in terms.items()}


def _measure(cursor, table, account_id, queries, counter, drop: list[str], setup: list[str] = ()) -> dict:
    """Ingest and read figures with `drop` indexes dropped and `setup` run, then rolled back."""
    from django.db import transaction

    cpu, wall, reads = [], [], {}
    for _ in range(INGEST_REPEATS):
        # A rolled-back COPY leaves its rows dead in the heap and the indexes: cleared before
        # each round, so every configuration writes into the same table.
        cursor.execute(f'VACUUM "{table}"')
        with transaction.atomic():
            for statement in [*(f'DROP INDEX "{name}"' for name in drop), *setup]:
                cursor.execute(statement)
            c, w = _ingest(cursor, table, account_id, counter)
            cpu.append(c)
            wall.append(w)
            transaction.set_rollback(True)
    with transaction.atomic():
        for statement in [*(f'DROP INDEX "{name}"' for name in drop), *setup]:
            cursor.execute(statement)
        if setup:
            cursor.execute(f'ANALYZE "{table}"')
        for label, (sql, params) in queries.items():
            reads[label] = _explain(cursor, sql, params)
        transaction.set_rollback(True)
    return {"cpu": statistics.median(cpu), "wall": statistics.median(wall), "reads": reads}


def run(quick: bool = False) -> dict:
    from django.db import connection

    from bench.api_seed import seed_users
    from open_banking.models import BankTransaction

    if connection.vendor != "postgresql":
        print("\nIndexes benchmark skipped: PostgreSQL only (set DATABASE_URL)")
        return {}
    total = int(os.environ.get("BENCH_INDEXES_ROWS", 30_000 if quick else 300_000))
    (user, accounts), = seed_users([("bench-indexes", total)])
    table = BankTransaction._meta.db_table
    counter = [0]
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{table}"')
        indexes = _secondary_indexes(cursor, table)
        queries = _queries(user, accounts)
        account_id = str(accounts[0].pk)
        _measure(cursor, table, account_id, {}, counter, [])  # warm: caches, the COPY path
        results = {"all indexes": _measure(cursor, table, account_id, queries, counter, [])}
        for name, _ in indexes:
            results[f"without {name}"] = _measure(cursor, table, account_id, queries, counter, [name])
        results["without any secondary index"] = _measure(cursor, table, account_id, queries, counter,
                                                          [n for n, _ in indexes])
        trigram = [n for n, d in indexes if "gin_trgm_ops" in d]
        searches = {label: label.split("=", 1)[1].split(" ")[0] for label in queries if "?search=" in label}
        if trigram:
            results[f"{trigram[0]} with fastupdate off"] = _measure(
                cursor, table, account_id, queries, counter, [],
                [f'ALTER INDEX "{trigram[0]}" SET (fastupdate = off)'])
            column_queries = {**queries, **_search_column_queries(user, {k: ("zzqx" if "zzqx" in k else v)
                                                                         for k, v in searches.items()})}
            results["one search column (generated) + one trigram index, instead of it"] = _measure(
                cursor, table, account_id, column_queries, counter, trigram,
                [statement.format(table=f'"{table}"') for statement in SEARCH_COLUMN_SETUP])
    base = results["all indexes"]
    per_k = 1000 / INGEST_ROWS
    rows = []
    for label, r in results.items():
        rows.append([label, r["cpu"] * per_k * 1000, r["wall"] * per_k * 1000,
                     (base["cpu"] - r["cpu"]) * per_k * 1000])
    print_table(f"Indexes: ingest cost, COPY of {INGEST_ROWS:,} rows into a table of {total:,} "
                f"(median of {INGEST_REPEATS}; database backend CPU, and wall)",
                ["indexes", "backend CPU ms / 1,000 rows", "wall ms / 1,000 rows",
                 "saved vs all (CPU ms / 1,000 rows)"], rows)
    labels = list(queries)
    read_rows = []
    for label in labels:
        row = [label, base["reads"][label][0], _short(base["reads"][label][1])]
        for name, _ in indexes:
            row.append(results[f"without {name}"]["reads"][label][0])
        row.append(results["without any secondary index"]["reads"][label][0])
        for variant in [k for k in results if k.startswith(tuple(trigram)) or k.startswith("one search")]:
            row.append(results[variant]["reads"][label][0])
        read_rows.append(row)
    print_table("Indexes: what each buys, EXPLAIN ANALYZE execution ms (median of "
                f"{READ_REPEATS}) with all indexes and with one dropped",
                ["query", "all", "index used", *(f"w/o {_short(n)}" for n, _ in indexes), "w/o any",
                 *(["fastupdate off", "search column"] if trigram else [])], read_rows)
    results["indexes"] = indexes
    return results


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.harness import setup_django, throwaway_database

    setup_django()
    with throwaway_database():
        run(quick="--quick" in sys.argv)
