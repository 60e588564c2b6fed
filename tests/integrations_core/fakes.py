"""A scriptable in-memory provider for testing the core without any real provider."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from integrations_core.providers.base import AuthType, Capability, Family
from integrations_core.providers.errors import CursorRestart, ProviderError
from integrations_core.providers.oauth import OAuth2Provider
from integrations_core.records import (
    AccountData,
    AccountRecord,
    BalanceRecord,
    ChangeSet,
    TokenSet,
    TransactionRecord,
)

AUTH_URL = "https://auth.fakebank.test/authorize"
TOKEN_URL = "https://auth.fakebank.test/token"


def txn(ext_id, day, amount, description="COFFEE SHOP", status="booked", **kw) -> TransactionRecord:
    return TransactionRecord(external_id=ext_id, booked_date=day, amount=Decimal(amount), currency="GBP",
                             description=description, status=status, **kw)


class FakeSource:
    def __init__(self, provider: FakeBankProvider, connection):
        self.provider = provider
        self.connection = connection
        self.calls = 0

    def _maybe_fail(self, where: str):
        script = self.provider.failures.get(where)
        if script:
            exc = script.pop(0) if isinstance(script, list) else script
            if exc is not None:
                raise exc

    def list_accounts(self):
        self.calls += 1
        self.provider.seen_tokens.append(self.connection.access_token)
        self._maybe_fail("list_accounts")
        return list(self.provider.accounts)

    def fetch_account(self, account: AccountRecord, *, since: date | None):
        self.calls += 3
        self.provider.since_seen.append((account.external_id, since))
        hook = self.provider.on_fetch.get(account.external_id)
        if hook is not None:
            hook()  # what happens elsewhere while the bank is answering (a redelivery, a clock jump)
        self._maybe_fail(f"fetch:{account.external_id}")
        data = self.provider.data.get(account.external_id, {})
        return AccountData(
            account=account,
            balance=BalanceRecord(currency="GBP", current=Decimal(data.get("balance", "100.00"))),
            booked=list(data.get("booked", [])),
            pending=list(data.get("pending", [])),
            window_from=data.get("window_from"),
            window_to=data.get("window_to"),
        )


class FakeBankProvider(OAuth2Provider):
    slug = "fakebank"
    name = "Fake Bank"
    family = Family.BANKING
    auth_type = AuthType.OAUTH2
    capabilities = frozenset({Capability.ACCOUNTS, Capability.TRANSACTIONS, Capability.BALANCES,
                              Capability.REFRESH_TOKENS, Capability.PKCE, Capability.REVOKE,
                              Capability.SCHEDULED_SYNC})
    consent_days = 90
    connection_model = "open_banking.BankConnection"
    scopes = ["accounts", "transactions", "offline_access"]

    def __init__(self):
        self.accounts = [AccountRecord(external_id="acc-1", name="Current", type="current", currency="GBP")]
        self.data: dict = {}
        self.failures: dict = {}
        self.refresh_calls = 0
        self.refresh_error: ProviderError | None = None
        self.revoked: list = []
        self.seen_tokens: list = []
        self.since_seen: list = []
        self.on_fetch: dict = {}  # account external id -> callable run while it is fetched

    def authorize_url(self):
        return AUTH_URL

    def token_url(self):
        return TOKEN_URL

    def client_id(self):
        return "fake-client"

    def client_secret(self):
        return "fake-secret-value"

    def refresh(self, connection):
        self.refresh_calls += 1
        if self.refresh_error is not None:
            raise self.refresh_error
        return TokenSet(access_token=f"access-refreshed-{self.refresh_calls}", refresh_token="refresh-2",
                        expires_at=timezone.now() + timedelta(hours=1))

    def revoke(self, connection):
        self.revoked.append(connection.pk)

    def bind(self, connection):
        return FakeSource(self, connection)


class FakeCursorSource:
    """Answers `fetch_changes` from the provider's script: `pages[cursor]` is the ChangeSet after
    that cursor; a cursor in `restarts` raises CursorRestart the first time it is asked for."""

    def __init__(self, provider: FakeCursorProvider, connection):
        self.provider = provider
        self.connection = connection
        self.calls = 0

    def fetch_changes(self, *, cursor):
        self.calls += 1
        self.provider.cursors_seen.append(cursor)
        if cursor in self.provider.restarts:
            self.provider.restarts.discard(cursor)
            raise CursorRestart("data changed during pagination")
        return self.provider.pages.get(cursor) or ChangeSet(accounts=[], added={}, modified={}, removed=[],
                                                            next_cursor=cursor or "", has_more=False)


class FakeCursorProvider(FakeBankProvider):
    """A Plaid-style bank: one change feed per connection, explicit removals."""

    slug = "fakecursor"
    name = "Fake Cursor Bank"

    def __init__(self):
        super().__init__()
        self.pages: dict = {}
        self.restarts: set = set()
        self.cursors_seen: list = []

    def bind(self, connection):
        return FakeCursorSource(self, connection)


def deliver_like_a_worker(task, *, args, kwargs=None, monkeypatch, task_id="task-1") -> tuple[object, list[float]]:
    """Run a Celery task the way a worker does (not eagerly): each retry it asks for is delivered
    again, with `retries` counted up, until it stops asking. Returns (its result, the countdowns it
    asked for); nothing sleeps."""
    from celery.exceptions import Retry

    countdowns: list[float] = []

    def retry(*, countdown, **_):
        countdowns.append(countdown)
        return Retry(when=countdown)

    monkeypatch.setattr(task, "retry", retry)
    kwargs = kwargs or {}
    attempt = 0
    while True:
        task.push_request(id=task_id, retries=attempt, is_eager=False, called_directly=False, args=args,
                          kwargs=kwargs)
        try:
            return task.run(*args, **kwargs), countdowns
        except Retry:
            attempt += 1
        finally:
            task.pop_request()


def run_import(account, booked=(), pending=(), **window):
    """One import of `booked`/`pending` records through the one write path."""
    from integrations_core.services.imports import account_data_import

    return account_data_import(account, AccountData(account=None, booked=list(booked), pending=list(pending),
                                                    **window))
