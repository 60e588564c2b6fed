"""The fleet as it stands the morning after yesterday's daily sync, written straight into the
database (2,000 trips through the bank's login and consent pages would only measure the pages).

For each connection, on the sandbox's side: the person's consent, and their TrueLayer token pair
(the access token expired overnight, as a one-hour token always has by the next morning) or
their GoCardless agreement, linked requisition and account ids. On ours: a person, an active
connection holding the same (encrypted) tokens, due now, and its accounts and recent history.

The history is real: a few template connections per provider and bank, one per persona, run a
real first sync against the sandbox, and every other connection of the same persona gets a copy
of the template's rows (SQL, INSERT ... SELECT). Then each account's two newest booked rows are
removed: they are what the bank booked since yesterday's sync, for today's to find.

Personas repeat (a few dozen people's statements for 2,000 connections) because the sandbox
builds a person's whole statement on first use, about 0.3 s of CPU: that is the mock bank's
cost, not the platform's, and on a 2-core machine it would otherwise be most of the run."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from bench.harness import Timer

# (provider, sandbox institution): two accounts each (a current account and savings).
COMBOS = [("truelayer", "monzo"), ("gocardless", "santander"), ("truelayer", "santander"), ("gocardless", "monzo")]
CLONED_HISTORY_DAYS = 60  # rows older than this never meet a daily sync; the API bench fills the table
NEW_SINCE_YESTERDAY = 2  # booked rows per account the daily sync will find


@dataclass
class Fleet:
    connection_ids: list = field(default_factory=list)
    templates: list = field(default_factory=list)
    accounts: int = 0
    cloned_rows: int = 0
    removed_rows: int = 0
    seconds: dict = field(default_factory=dict)


def persona(i: int, personas: int) -> str:
    return f"fleet-persona-{(i // len(COMBOS)) % personas}"


def fleet_books(n: int, personas: int) -> list[str]:
    """"slug:persona" of every statement the fleet reads, for the sandbox to build up front."""
    return sorted({f"{COMBOS[i % len(COMBOS)][1]}:{persona(i, personas)}" for i in range(n)})


def _sandbox_rows(i: int, provider: str, slug: str, who: str, now, keys: list[str]):
    """The sandbox's side of connection i, unsaved: (consent, [other rows], connection fields)."""
    from open_banking.providers.gocardless.provider import ACCESS_SCOPE
    from open_banking.providers.truelayer.provider import TrueLayerProvider
    from sandbox import tokens
    from sandbox.institutions import institution_by_slug
    from sandbox.models import (
        Consent,
        GoCardlessAccount,
        GoCardlessAgreement,
        GoCardlessRequisition,
        TrueLayerToken,
    )

    institution = institution_by_slug(slug)
    yesterday, expires = now - timedelta(days=1), now + timedelta(days=89)
    scopes = TrueLayerProvider.scopes if provider == "truelayer" else ACCESS_SCOPE
    consent = Consent(id=uuid.uuid4(), provider=provider, institution_slug=slug, username=who, scopes=list(scopes),
                      authorised_at=yesterday, expires_at=expires)
    fields = {"institution_name": institution.name, "consent_expires_at": expires}
    if provider == "truelayer":
        expired = now - timedelta(hours=23)
        access, refresh = tokens.new_jwt_like("access", expired), tokens.new_code()
        token = TrueLayerToken(consent=consent, access_token_hash=tokens.digest(access),
                               refresh_token_hash=tokens.digest(refresh), access_expires_at=expired,
                               created_at=yesterday)
        fields.update(institution_id=institution.truelayer_id, access_token=access, refresh_token=refresh,
                      token_expires_at=expired, external_id=str(consent.id))
        return consent, [token], fields, {}
    agreement = GoCardlessAgreement(id=uuid.uuid4(), created=yesterday, institution_id=institution.gocardless_id,
                                    max_historical_days=90, access_valid_for_days=90, access_scope=list(scopes),
                                    accepted=yesterday)
    requisition = GoCardlessRequisition(
        id=uuid.uuid4(), created=yesterday, redirect="http://127.0.0.1/integrations/gocardless/callback/",
        status=GoCardlessRequisition.Status.LINKED, institution_id=institution.gocardless_id, agreement=agreement,
        reference=f"fleet-{i}-{uuid.uuid4().hex[:8]}", username=who, consent=consent)
    accounts = {key: GoCardlessAccount(id=uuid.uuid5(requisition.id, key), requisition=requisition, consent=consent,
                                       account_key=key, created=yesterday) for key in keys}
    fields.update(institution_id=institution.gocardless_id, external_id=str(requisition.id),
                  sync_state={"requisition_id": str(requisition.id), "agreement_id": str(agreement.id)})
    return consent, [agreement, requisition, *accounts.values()], fields, {k: str(a.id) for k, a in accounts.items()}


def _create(indices: list[int], personas: int, now) -> tuple[list, dict]:
    """Users, sandbox rows and connections for these fleet indices. Returns (connections, {i: gc ids by key})."""
    from django.contrib.auth import get_user_model

    from integrations_core.models import ConnectionStatus
    from open_banking.models import BankConnection
    from sandbox.institutions import institution_by_slug
    from sandbox.models import (
        Consent,
        GoCardlessAccount,
        GoCardlessAgreement,
        GoCardlessRequisition,
        TrueLayerToken,
    )

    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"fleet-{i}", email=f"fleet-{i}@example.com", password="!") for i in indices)
    consents, others, connections, gc_ids = [], {}, [], {}
    for user, i in zip(users, indices, strict=True):
        provider, slug = COMBOS[i % len(COMBOS)]
        keys = [p.value for p in institution_by_slug(slug).products]
        consent, rows, fields, ids = _sandbox_rows(i, provider, slug, persona(i, personas), now, keys)
        consents.append(consent)
        for row in rows:
            others.setdefault(type(row), []).append(row)
        gc_ids[i] = ids
        connections.append(BankConnection(
            user=user, provider=provider, status=ConnectionStatus.ACTIVE, last_synced_at=now - timedelta(days=1),
            next_sync_at=now - timedelta(minutes=1), **fields))
    Consent.objects.bulk_create(consents, batch_size=1000)
    for model in (TrueLayerToken, GoCardlessAgreement, GoCardlessRequisition, GoCardlessAccount):
        model.objects.bulk_create(others.get(model, []), batch_size=1000)
    return BankConnection.objects.bulk_create(connections, batch_size=500), gc_ids


def _sync_templates(connections) -> None:
    """A real first sync of each template, a few at a time, with the product's post-import hooks
    (categorisation, balance snapshots), so the copied history looks like a synced person's."""
    from django.db import connection as db

    from integrations_core.services.sync import connection_sync
    from transactions import hooks

    hooks._after_commit = lambda user_id: None  # follow-up tasks need a worker; none runs here

    def one(conn):
        try:
            run = connection_sync(conn, trigger="connect")
            if run.outcome != "succeeded":
                raise RuntimeError(f"template sync {conn.provider} {conn.institution_id}: {run.outcome} "
                                   f"{run.error_code} {run.account_results}")
        finally:
            db.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(one, connections))


def _clone(templates: dict, targets: list, gc_ids: dict, today) -> tuple[int, int]:
    """Copy each template's accounts and recent rows to the connections of the same persona."""
    from django.db import connection as db
    from django.db import transaction

    from open_banking.models import BankAccount, BankTransaction

    copied_fields = ["name", "type", "subtype", "currency", "current_balance", "available_balance",
                     "balance_updated_at", "masked_number", "is_active", "last_synced_at", "raw", "iban_masked",
                     "sort_code_masked"]
    template_accounts = {}
    for key, conn in templates.items():
        rows = list(BankAccount.objects.filter(connection=conn))
        if conn.provider == "gocardless":  # their ids are per requisition: map through the account key
            from sandbox.models import GoCardlessAccount

            keys = dict(GoCardlessAccount.objects.filter(id__in=[a.external_id for a in rows])
                        .values_list("id", "account_key"))
            template_accounts[key] = [(a, keys[uuid.UUID(a.external_id)]) for a in rows]
        else:
            template_accounts[key] = [(a, a.external_id) for a in rows]
    new_accounts, mapping = [], []
    for i, conn in targets:
        for source, account_key in template_accounts[(conn.provider, conn.institution_id, conn.persona)]:
            external_id = gc_ids[i][account_key] if conn.provider == "gocardless" else source.external_id
            account = BankAccount(connection=conn, external_id=external_id,
                                  **{f: getattr(source, f) for f in copied_fields})
            new_accounts.append(account)
            mapping.append((source.pk, account.pk))
    BankAccount.objects.bulk_create(new_accounts, batch_size=1000)
    table = BankTransaction._meta.db_table
    columns = [f.column for f in BankTransaction._meta.concrete_fields if f.column not in ("id", "account_id")]
    with transaction.atomic(), db.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE fleet_map (src uuid, dst uuid) ON COMMIT DROP")
        with cursor.cursor.copy("COPY fleet_map FROM STDIN") as copy:
            for src, dst in mapping:
                copy.write_row((src, dst))
        cursor.execute(
            f'INSERT INTO "{table}" (id, account_id, {", ".join(columns)}) '  # noqa: S608
            f'SELECT gen_random_uuid(), m.dst, {", ".join("t." + c for c in columns)} '
            f'FROM "{table}" t JOIN fleet_map m ON t.account_id = m.src WHERE t.booked_date >= %s',
            [today - timedelta(days=CLONED_HISTORY_DAYS)])
        cloned = cursor.rowcount
    return len(new_accounts), cloned


def seed_fleet(n: int, personas: int) -> Fleet:
    """Everything above for n connections; the caller has the sandbox running and the provider
    settings pointing at it."""
    from django.db import connection as db
    from django.utils import timezone

    from open_banking.models import BankConnection, BankTransaction

    fleet = Fleet()
    now, today = timezone.now(), timezone.localdate()
    template_indices = list(range(min(n, personas * len(COMBOS))))
    with Timer() as t:
        template_rows, _ = _create(template_indices, personas, now)
    fleet.seconds["create templates"] = t.seconds
    with Timer() as t:
        _sync_templates(template_rows)
    fleet.seconds["template first syncs"] = t.seconds
    templates = {}
    for i, conn in zip(template_indices, template_rows, strict=True):
        conn.refresh_from_db()
        templates[(conn.provider, conn.institution_id, persona(i, personas))] = conn
    target_indices = list(range(len(template_indices), n))
    with Timer() as t:
        target_rows, gc_ids = _create(target_indices, personas, now) if target_indices else ([], {})
        for i, conn in zip(target_indices, target_rows, strict=True):
            conn.persona = persona(i, personas)
        fleet.accounts, fleet.cloned_rows = _clone(templates, list(zip(target_indices, target_rows, strict=True)),
                                                   gc_ids, today)
    fleet.seconds["create + copy the rest"] = t.seconds
    fleet.connection_ids = [c.pk for c in template_rows] + [c.pk for c in target_rows]
    fleet.accounts += sum(c.accounts.count() for c in template_rows)
    # Yesterday's state: what the banks booked since then is for today's sync to find (each
    # account's newest booked rows: TrueLayer dates a row by its transaction, a day or two before
    # it books, so "the last N days" would not be the same thing for both); every connection is
    # due now, and TrueLayer access tokens (one hour) have expired overnight.
    table = BankTransaction._meta.db_table
    with db.cursor() as cursor:
        cursor.execute(
            f'SELECT id FROM (SELECT t.id, row_number() OVER (PARTITION BY t.account_id '  # noqa: S608
            f'ORDER BY t.booked_date DESC, t.id DESC) AS n FROM "{table}" t JOIN open_banking_bankaccount a '
            f'ON a.id = t.account_id WHERE t.status = %s AND a.connection_id = ANY(%s)) newest WHERE n <= %s',
            ["booked", fleet.connection_ids, NEW_SINCE_YESTERDAY])
        newest = [row[0] for row in cursor.fetchall()]
    fleet.removed_rows = len(newest)
    BankTransaction.objects.filter(pk__in=newest).delete()  # the ORM: transfer pairs go with them
    BankConnection.objects.filter(pk__in=fleet.connection_ids).update(
        next_sync_at=now - timedelta(minutes=1), last_synced_at=now - timedelta(days=1), retry_after=None,
        consecutive_failures=0, last_error="", last_error_code="")
    BankConnection.objects.filter(pk__in=fleet.connection_ids, provider="truelayer").update(
        token_expires_at=now - timedelta(hours=1))
    # The other benchmarks' connections in this database (no tokens, no sandbox consent) are not
    # part of the fleet: not due today.
    BankConnection.objects.exclude(pk__in=fleet.connection_ids).update(next_sync_at=now + timedelta(days=1))
    fleet.templates = [c.pk for c in template_rows]
    with db.cursor() as cursor:
        cursor.execute("ANALYZE")
    return fleet
