"""The GoCardless data source bound to one connection.

Per account and daily sync it spends at most: details (first sync only), transactions (booked
and pending come in one call) and balances. Every call is asked of the quota ledger first and
written to it after; a 429 is recorded with its reset and reported as rate limited, never as
"no new data"."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from integrations_core.records import AccountData, AccountRecord
from integrations_core.services.reattach import account_match, account_reattach

from ...selectors import bank_accounts_by_external_id
from ...services.connections import bank_account_rekey
from . import digest, mapper
from .client import GoCardlessClient, NotFound
from .services import quota_record_limited, quota_record_success, quota_wait_seconds, quota_waits

if TYPE_CHECKING:
    from ...models import BankAccount, BankConnection
    from .provider import GoCardlessProvider

logger = logging.getLogger(__name__)

LINKED = "LN"


def stored_record(account: BankAccount) -> AccountRecord:
    """The record for an account whose details we already have: no details call is spent, and
    the core's upsert finds nothing to change."""
    return AccountRecord(
        external_id=account.external_id, name=account.name, type=account.type, subtype=account.subtype,
        currency=account.currency, masked_number=account.masked_number,
        extra={"iban_masked": account.iban_masked}, raw=account.raw,
    )


def _seconds_to_next_utc_day() -> float:
    now = timezone.now()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


class GoCardlessSource:
    def __init__(self, provider: GoCardlessProvider, connection: BankConnection, client: GoCardlessClient):
        self.provider = provider
        self.connection = connection
        self.client = client
        self._deferred: dict[str, ProviderError] = {}
        self._digests: dict[str, set[str]] = {}  # account id -> accepted forms of its IBAN digest
        # The ledger read once for the sync's accounts (_stop_if_all_blocked), each answer used
        # once, by the call it was read for; the lease keeps other syncs of this connection off
        # these entries meanwhile, and nothing else spends them.
        self._quota_read: dict[tuple[str, str], float | None] = {}

    @property
    def calls(self) -> int:
        return self.client.calls

    # --- accounts -----------------------------------------------------------------------------
    def list_accounts(self) -> list[AccountRecord]:
        stored = bank_accounts_by_external_id(self.connection)
        self._stop_if_all_blocked(stored)
        requisition_id = self.connection.sync_state.get("requisition_id") or self.connection.external_id
        try:
            requisition = self.provider.authed_call(self.client, self.client.requisition, requisition_id)
        except NotFound as exc:
            raise ConsentExpired("The GoCardless requisition no longer exists", status=404) from exc
        if requisition.get("status") != LINKED:
            raise ConsentExpired(f"GoCardless requisition is {requisition.get('status')}",
                                 provider_code=str(requisition.get("status")))
        account_ids = [str(a) for a in requisition.get("accounts") or []]
        records = []
        for account_id in account_ids:
            known = stored.get(account_id)
            if known is not None and "details" in (known.raw or {}):
                records.append(stored_record(known))
            else:
                record = self._discover(account_id, known)
                if known is None:
                    self._adopt_previous(record, stored, account_ids)
                records.append(record)
        return records

    def _adopt_previous(self, record: AccountRecord, stored: dict[str, BankAccount], current_ids: list[str]) -> None:
        """After a reconnect GoCardless names the same bank account with a new id: find the
        account we already had (same IBAN, no longer in the requisition) and move it over — from
        this connection, or from one the person disconnected (a new connection to the same bank).
        The IBAN is matched under every digest key still accepted (digest.py), so a rotated
        SECRET_KEY or FIELD_ENCRYPTION_KEY never starts a second copy of the account."""
        digests = self._digests.get(record.external_id, set())
        gone = [account for old_id, account in stored.items() if old_id not in current_ids]
        account, _ = account_match(gone, record, digests=digests)
        if account is not None:
            stored.pop(account.external_id)
            bank_account_rekey(account, record.external_id)
        else:
            account = account_reattach(self.connection, record, digests=digests)
        if account is not None:
            stored[record.external_id] = account

    def _stop_if_all_blocked(self, stored: dict[str, BankAccount]) -> None:
        """When the ledger says no known account may be fetched yet, spend nothing at all."""
        known = [a for a in stored.values() if a.is_active and "details" in (a.raw or {})]
        if not known:
            return
        self._quota_read = quota_waits([a.external_id for a in known], ("transactions", "balances"))
        waits = [self._quota_read[(a.external_id, "transactions")] for a in known]
        if all(w is not None for w in waits):
            raise self._limited(min(waits))

    def _discover(self, account_id: str, known: BankAccount | None) -> AccountRecord:
        try:
            wait = quota_wait_seconds(account_id, "details")
            if wait is not None:
                raise self._limited(wait)
            details = self._scoped(account_id, "details", self.client.account_details)
            self._digests[account_id] = digest.iban_digests(mapper.iban_of(details))
            return mapper.account_record(account_id, details)
        except (ConsentExpired, ProviderAuthError):
            raise
        except ProviderError as exc:
            # Report this account as failed in the run (fetch_account raises it) rather than
            # failing every other account of the connection.
            self._deferred[account_id] = exc
            return stored_record(known) if known is not None else mapper.placeholder_record(account_id)

    # --- data ---------------------------------------------------------------------------------
    def fetch_account(self, account: AccountRecord, *, since: date | None) -> AccountData:
        account_id = account.external_id
        if account_id in self._deferred:
            raise self._deferred.pop(account_id)
        wait = self._quota_wait(account_id, "transactions")
        if wait is not None:
            raise self._limited(wait)
        # First sync: no date_from, so GoCardless returns all the agreement's history. No date_to
        # ever: it defaults to the bank's today, which is what we want even if our clock lags.
        body = self._scoped(account_id, "transactions", self.client.account_transactions, date_from=since)
        booked, pending = mapper.transaction_records(body)
        balance, balance_error = self._balance(account_id)
        return AccountData(account=account, balance=balance, booked=booked, pending=pending,
                           window_from=since, window_to=None, balance_error=balance_error)

    def _balance(self, account_id: str):
        """(balance, error): the balance if the quota allows. The transactions are already paid
        for, so a balance failure costs only the balance, not the rows, but it is reported: the
        account shows its balance as stale, with its date, instead of "ok"."""
        wait = self._quota_wait(account_id, "balances")
        if wait is not None:
            # Reported as the balance's own error (the account shows a stale balance), not raised.
            return None, RateLimited("The bank's daily balance limit for this account is spent",
                                     retry_after=wait, provider_code="quota_ledger")
        try:
            return mapper.balance_record(self._scoped(account_id, "balances", self.client.account_balances)), None
        except (RateLimited, ProviderUnavailable, BadProviderResponse) as exc:
            logger.info("gocardless balance skipped connection=%s code=%s", self.connection.pk, exc.code)
            return None, exc

    def _quota_wait(self, account_id: str, scope: str) -> float | None:
        key = (account_id, scope)
        if key in self._quota_read:
            return self._quota_read.pop(key)
        return quota_wait_seconds(account_id, scope)

    def _scoped(self, account_id: str, scope: str, fn, **kwargs):
        try:
            reply = self.provider.authed_call(self.client, fn, account_id, **kwargs)
        except RateLimited as exc:
            if exc.retry_after is None:
                exc.retry_after = _seconds_to_next_utc_day()
            quota_record_limited(account_id, scope, connection=self.connection, retry_after=exc.retry_after,
                                 info=getattr(exc, "quota", None))
            raise
        quota_record_success(account_id, scope, connection=self.connection, info=reply.quota)
        return reply.body

    def _limited(self, wait: float) -> RateLimited:
        # The core records the wait on the connection from the error's retry_after.
        return RateLimited("The bank's daily limit for this account is spent", retry_after=wait,
                           provider_code="quota_ledger")
