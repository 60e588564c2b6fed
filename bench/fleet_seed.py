"""The fleet as it stands the morning after yesterday's daily sync, written straight into the
database (2,000 trips through the bank's login and consent pages would only measure the pages).

For each connection, on the sandbox's side: the person's consent, and their TrueLayer token pair
(the access token expired overnight, as a one-hour token always has by the next morning) or
their GoCardless agreement, linked requisition and account ids. On ours: a person, an active
connection holding the same (encrypted) tokens, due now, and its accounts and recent history.

The history is real, and it is yesterday's: a few template connections per provider and bank,
one per persona, run a real first sync against the sandbox with the sandbox's clock one day
back, so they store what the bank served yesterday (its booked rows up to yesterday, yesterday's
pending ones, yesterday's balances), and every other connection of the same persona gets a copy
of the template's rows (SQL, INSERT ... SELECT). Today's sync then meets exactly what the bank
changed overnight: the rows booked since, pending rows booked under their own or a new id, new
pending rows. The sandbox is pure (a book is a function of bank, person and date), so every run
on the same day draws the same workload. (Until 3 Dec 2026 each account's two newest booked
rows were deleted instead, newest by `booked_date, id` with random UUID ids: same-date ties broke
differently per run, and in some runs today's sync re-keyed and amended a dozen rows per account
and deleted two, in others it only added two.)

TrueLayer connections also carry what that first sync remembered about their lists (the
sandbox's Monzo and Santander have no cards: `/cards` answered an empty list, see
open_banking/providers/truelayer/provider.py), copied from their template and dated yesterday,
and the scopes their consent granted, as the connect flow records them.

Personas repeat (a few dozen people's statements for 2,000 connections) because the sandbox
builds a person's whole statement on first use, about 0.3 s of CPU: that is the mock bank's
cost, not the platform's, and on a 2-core machine it would otherwise be most of the run."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from bench.harness import Timer

# (provider, sandbox institution): two accounts each (a current account and savings).
COMBOS = [("truelayer", "monzo"), ("gocardless", "santander"), ("truelayer", "santander"), ("gocardless", "monzo")]
CLONED_HISTORY_DAYS = 60  # rows older than this never meet a daily sync; the API bench fills the table


@dataclass
class Fleet:
    connection_ids: list = field(default_factory=list)
    templates: list = field(default_factory=list)
    accounts: int = 0
    cloned_rows: int = 0
    seconds: dict = field(default_factory=dict)


def persona(i: int, personas: int) -> str:
    return f"fleet-persona-{(i // len(COMBOS)) % personas}"


def fleet_books(n: int, personas: int) -> list[str]:
    """"slug:persona" of every statement the fleet reads, for the sandbox to build up front."""
    return sorted({f"{COMBOS[i % len(COMBOS)][1]}:{persona(i, personas)}" for i in range(n)})


def _sandbox_rows(i: int, provider: str, slug: str, who: str, now, keys: list[str]):
    """The sandbox's side of connection i, unsaved: (consent, [other rows], connection fields)."""
    from open_banking.providers.gocardless.provider import ACCESS_SCOPE
    from open_banking.providers.truelayer.provider import SCOPES_KEY, TrueLayerProvider
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
    # A person's first consent decides which of their banks their salary, rent and bills land at
    # (sandbox/persona.py: the earliest by authorised_at, then id). Every consent at the same instant
    # would leave that to random UUIDs: a persona's main bank could differ between the templates'
    # first syncs and today's, and today's sync would then see a different statement (hundreds of
    # rows amended and removed in some runs, none in others). Connection i consented i microseconds
    # after the first, so each persona's first consent is always its template's first connection.
    consent = Consent(id=uuid.uuid4(), provider=provider, institution_slug=slug, username=who, scopes=list(scopes),
                      authorised_at=yesterday + timedelta(microseconds=i), expires_at=expires)
    fields = {"institution_name": institution.name, "consent_expires_at": expires}
    if provider == "truelayer":
        expired = now - timedelta(hours=23)
        access, refresh = tokens.new_jwt_like("access", expired), tokens.new_code()
        token = TrueLayerToken(consent=consent, access_token_hash=tokens.digest(access),
                               refresh_token_hash=tokens.digest(refresh), access_expires_at=expired,
                               created_at=yesterday)
        fields.update(institution_id=institution.truelayer_id, access_token=access, refresh_token=refresh,
                      token_expires_at=expired, external_id=str(consent.id),
                      sync_state={SCOPES_KEY: sorted(scopes)})  # as the connect flow records them
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

    with _sandbox_yesterday(), ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(one, connections))


@contextmanager
def _sandbox_yesterday():
    """The sandbox's clock one day back (its clock is an offset in the database, which the
    fleet's sandbox server reads too): what it serves meanwhile is what it served yesterday."""
    from django.db.models import F
    from django.utils import timezone

    from sandbox.models import GoCardlessApiToken, SandboxClock, TrueLayerToken

    row, _ = SandboxClock.objects.get_or_create(pk=1)
    before, since = row.offset_days, timezone.now() - timedelta(days=1)  # the sandbox's "now" from here
    SandboxClock.objects.filter(pk=1).update(offset_days=before - 1)
    try:
        yield
    finally:
        SandboxClock.objects.filter(pk=1).update(offset_days=before)
        # The tokens it issued meanwhile are dated a day early; the platform dated them by its
        # own clock. Both now agree (otherwise the daily sync would meet a 401 on the
        # platform's GoCardless API token, which the platform believes good for hours).
        day = timedelta(days=1)
        GoCardlessApiToken.objects.filter(created_at__gte=since).update(
            created_at=F("created_at") + day, access_expires_at=F("access_expires_at") + day,
            refresh_expires_at=F("refresh_expires_at") + day)
        TrueLayerToken.objects.filter(created_at__gte=since).update(
            created_at=F("created_at") + day, access_expires_at=F("access_expires_at") + day)


def _yesterdays_list_notes(templates: dict, targets: list, yesterday) -> None:
    """Each TrueLayer connection's list notes as its first sync (yesterday) left them: the
    template's own, under the connection's own consent."""
    from open_banking.models import BankConnection
    from open_banking.providers.truelayer.provider import LISTS_KEY

    notes = {key: (conn.sync_state or {}).get(LISTS_KEY) or {} for key, conn in templates.items()}
    changed = []
    for conn in [*templates.values(), *targets]:
        if conn.provider != "truelayer":
            continue
        mine = notes[(conn.provider, conn.institution_id, conn.persona)]
        state = {k: v for k, v in (conn.sync_state or {}).items() if k != LISTS_KEY}
        if mine:
            state[LISTS_KEY] = {endpoint: {**note, "asked_at": yesterday.isoformat(),
                                           "credentials_id": conn.external_id}
                                for endpoint, note in mine.items()}
        conn.sync_state = state
        changed.append(conn)
    BankConnection.objects.bulk_update(changed, ["sync_state"], batch_size=500)


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

    from open_banking.models import BalanceSnapshot, BankConnection

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
        conn.persona = persona(i, personas)
        templates[(conn.provider, conn.institution_id, conn.persona)] = conn
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
    # Yesterday's state (the template syncs saw the sandbox as it was yesterday): the templates'
    # balance snapshots are yesterday's, every connection is due now, TrueLayer access tokens
    # (one hour) have expired overnight, and its list notes are yesterday's.
    yesterday = now - timedelta(days=1)
    BalanceSnapshot.objects.filter(account__connection_id__in=[c.pk for c in template_rows], date=today).update(
        date=timezone.localdate(yesterday), recorded_at=yesterday)
    _yesterdays_list_notes(templates, target_rows, yesterday)
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
