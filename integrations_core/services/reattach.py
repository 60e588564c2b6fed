"""Which stored account is this bank account? Used when a provider names an account we have not
seen under that id: GoCardless re-issues account ids with every requisition, and a person who
disconnected a bank (its data kept for the retention period) and connects it again gets a new
connection. In both cases the account we already hold — its transactions, balance snapshots,
the person's corrections and recurring payments — is moved to the new id or connection instead
of a second copy being started next to it, which would count every payment twice.

Identity, strongest first: the provider's account id; a keyed digest of the account number the
provider mapper put in `raw["iban_digest"]` (`digests`: other forms of it still accepted, see
open_banking/providers/gocardless/digest.py); the masked number (with the masked sort code and
IBAN where the model has them), type and currency. A level that matches more than one account
matches none: a wrong merge mixes two accounts' money, a missed one only leaves history aside."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from integrations_core.models import Account, Connection, ConnectionStatus
from integrations_core.records import AccountRecord

from .audit import audit_record

MASK_FIELDS = ("masked_number", "iban_masked", "sort_code_masked")


def _masks(model, source) -> tuple:
    names = [name for name in MASK_FIELDS if any(f.name == name for f in model._meta.concrete_fields)]
    get = source.get if isinstance(source, dict) else (lambda name, default="": getattr(source, name, default))
    return tuple(get(name, "") or "" for name in names)


def account_match(candidates: Iterable[Account], record: AccountRecord, *,
                  digests: Iterable[str] = ()) -> tuple[Account, str] | tuple[None, str]:
    """(the one candidate that is the record's bank account, how it matched) or (None, "")."""
    candidates = list(candidates)
    if not candidates:
        return None, ""
    model = type(candidates[0])
    wanted_digests = {d for d in [(record.raw or {}).get("iban_digest"), *digests] if d}
    record_values = {"masked_number": record.masked_number, **record.extra}
    record_masks = _masks(model, record_values)
    levels = (
        ("external_id", lambda a: a.external_id == record.external_id),
        ("iban_digest", lambda a: bool(wanted_digests) and (a.raw or {}).get("iban_digest") in wanted_digests),
        ("masked_number", lambda a: bool(record.masked_number) and a.type == record.type
         and a.currency == record.currency and _masks(model, a) == record_masks),
    )
    for how, test in levels:
        found = [a for a in candidates if test(a)]
        if len(found) == 1:
            return found[0], how
        if found:
            return None, ""  # ambiguous: never guess between two accounts
    return None, ""


def revoked_accounts_of(connection: Connection):
    """The person's accounts in their disconnected connections of the same provider and bank."""
    model = connection.account_model
    same_bank = Q()
    if connection.institution_id:
        same_bank = Q(connection__institution_id__in=[connection.institution_id, ""])
    return (model.objects.filter(same_bank, connection__user_id=connection.user_id,
                                 connection__provider=connection.provider,
                                 connection__status=ConnectionStatus.REVOKED)
            .exclude(connection_id=connection.pk))


def account_reattach(connection: Connection, record: AccountRecord, *, digests: Iterable[str] = ()) -> Account | None:
    """If `record` is an account of a connection the person disconnected (same person, provider
    and bank), move that account — with its transactions and balance snapshots, which hang off
    it — to `connection` under the record's id, audited, and return it. The revoked
    connection's retention purge then no longer reaches it: it is current data again."""
    found, how = account_match(revoked_accounts_of(connection), record, digests=digests)
    if found is None:
        return None
    model = connection.account_model
    with transaction.atomic():
        # Claimed once: a second new connection racing for the same account finds it moved.
        account = (model.objects.select_for_update(of=("self",))
                   .filter(pk=found.pk, connection__status=ConnectionStatus.REVOKED).first())
        if account is None:
            return None
        previous, old_id = account.connection, account.external_id
        account.connection = connection
        account.external_id = record.external_id
        account.is_active = True
        account.save(update_fields=["connection", "external_id", "is_active", "updated_at"])
        details = {"account": str(account.pk), "from_connection": str(previous.pk), "matched_by": how,
                   "old_external_id": old_id, "new_external_id": record.external_id,
                   "transactions": account.transactions.count()}
        audit_record("account.reattached", connection=connection, details=details)
        audit_record("account.reattached_away", connection=previous, details=details)
    return account
