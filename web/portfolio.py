"""What the portfolio pages show: platforms to connect (with their logos), each investment
connection as a card, and accounts grouped by wrapper with their holdings, value, book cost and
gain. Presentation only: the rows come from the selectors, the figures from the sync or the
statement import (Decimal throughout; no float)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from django.contrib.staticfiles import finders
from django.templatetags.static import static

from integrations_core.models import ConnectionStatus, RecordSource, SyncOutcome, SyncRun
from integrations_core.providers.base import AuthType, Provider
from integrations_core.providers.registry import UnknownProvider, registry
from investments.models import (
    Holding,
    InvestmentAccount,
    InvestmentConnection,
    InvestmentTransactionType,
    Wrapper,
)

from . import selectors

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# The wrappers in the order a UK saver thinks of them (tax-free first), then anything else.
WRAPPER_ORDER = [Wrapper.ISA, Wrapper.LISA, Wrapper.JISA, Wrapper.SIPP, Wrapper.GIA, Wrapper.OTHER]
SOURCE_BADGES = {RecordSource.SYNCED: ("Synced", "ok"), RecordSource.STATEMENT: ("Statement", "bank"),
                 RecordSource.MANUAL: ("Manual", "manual")}


# --- platforms --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlatformTile:
    provider: Provider
    logo_url: str

    @property
    def slug(self) -> str:
        return self.provider.slug

    @property
    def name(self) -> str:
        return self.provider.name


def provider_logo(provider: Provider) -> str:
    """The provider's declared logo, else `static/logos/<slug>.svg` when we ship one, else ""."""
    if provider.logo_url:
        return provider.logo_url
    candidate = f"logos/{provider.slug.replace('_', '-')}.svg"
    return static(candidate) if finders.find(candidate) else ""


def platform_tiles(providers: Iterable[Provider]) -> tuple[list[PlatformTile], list[PlatformTile]]:
    """(connect with a key, import a statement), each sorted by name. The groups come from the
    providers' declared auth types: nothing here names a platform."""
    tiles = sorted((PlatformTile(p, provider_logo(p)) for p in providers), key=lambda t: t.name.lower())
    return ([t for t in tiles if t.provider.auth_type == AuthType.API_KEY],
            [t for t in tiles if t.provider.auth_type == AuthType.FILE_UPLOAD])


def provider_name(slug: str) -> str:
    try:
        return registry.get(slug).name
    except UnknownProvider:
        return slug.replace("_", " ").title()


# --- connections ------------------------------------------------------------------------------
def sync_message(run: SyncRun) -> str:
    """One sentence for the card's live region while a sync runs and once it has finished."""
    if run.outcome == SyncOutcome.QUEUED:
        return run.error or "Waiting for the sync to start…"
    if run.outcome == SyncOutcome.RUNNING:
        return "Syncing with the platform…"
    if run.outcome == SyncOutcome.SUCCEEDED:
        if run.added or run.updated or run.removed:
            return f"Up to date: {run.added} new, {run.updated} updated, {run.removed} removed."
        return "Up to date: nothing new since the last sync."
    if run.outcome == SyncOutcome.PARTIAL:
        return "Partly updated: some of the history could not be read this time. We'll try again."
    if run.outcome == SyncOutcome.SKIPPED:
        return run.error or "Another sync was already running."
    return run.error or "The sync did not finish. We'll try again; your last portfolio is kept."


FINISHED = {SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL, SyncOutcome.FAILED, SyncOutcome.SKIPPED}


@dataclass(frozen=True)
class InvestmentCard:
    connection: InvestmentConnection
    name: str
    provider_name: str
    logo_url: str
    tone: str  # ok | warn | error | muted
    headline: str
    detail: str
    can_sync: bool  # a platform we read through its API (a statement platform is re-imported instead)
    is_file: bool
    last_run: SyncRun | None = None

    @property
    def last_run_message(self) -> str:
        return sync_message(self.last_run) if self.last_run is not None else ""

    @property
    def last_run_running(self) -> bool:
        return self.last_run is not None and self.last_run.outcome not in FINISHED


def investment_card(connection: InvestmentConnection) -> InvestmentCard:
    try:
        provider = registry.get(connection.provider)
    except UnknownProvider:
        provider = None
    is_file = provider is not None and provider.auth_type == AuthType.FILE_UPLOAD
    state = connection.user_state
    run = None if is_file else selectors.investment_sync_run_latest(connection)
    common = {"connection": connection, "name": connection.institution_name or provider_name(connection.provider),
              "provider_name": provider_name(connection.provider), "is_file": is_file, "last_run": run,
              "logo_url": provider_logo(provider) if provider else ""}
    syncable = not is_file and provider is not None and connection.is_syncable
    if state == "ok":
        detail = "" if connection.last_synced_at or is_file else \
            "We have not fetched your holdings yet. The first sync starts by itself."
        return InvestmentCard(**common, tone="ok", headline="Imported" if is_file else "Connected", detail=detail,
                              can_sync=syncable)
    if state in ("rate_limited", "provider_down"):
        return InvestmentCard(**common, tone="warn", headline="Paused by the platform" if state == "rate_limited"
                              else "Platform not responding",
                              detail="We'll try again by ourselves; your last portfolio is kept.", can_sync=syncable)
    if state == "error":
        reason = (connection.last_error or "The last update did not work.").rstrip(".")
        return InvestmentCard(**common, tone="error", headline="Update failed",
                              detail=f"{reason}. Your last portfolio is kept.", can_sync=syncable)
    if state in (ConnectionStatus.REAUTH_REQUIRED, ConnectionStatus.EXPIRED):
        return InvestmentCard(**common, tone="error", headline="New key needed",
                              detail="The platform no longer accepts the key. Disconnect and connect again "
                                     "with a new key.", can_sync=False)
    if state == ConnectionStatus.PENDING:
        return InvestmentCard(**common, tone="muted", headline="Not finished", detail="", can_sync=False)
    return InvestmentCard(**common, tone="muted", headline="Disconnected",
                          detail="We no longer read from this platform.", can_sync=False)


# --- accounts and holdings --------------------------------------------------------------------
def gain_percent(gain: Decimal | None, cost: Decimal | None) -> Decimal | None:
    """Gain as a percentage of book cost, to 2 dp (None when there is no cost to compare)."""
    if gain is None or not cost:
        return None
    return (gain * HUNDRED / cost).quantize(CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class HoldingRow:
    holding: Holding
    gain: Decimal | None
    gain_percent: Decimal | None

    @property
    def security(self):
        return self.holding.security


def holding_row(holding: Holding) -> HoldingRow:
    gain = holding.value - holding.book_cost if holding.value is not None and holding.book_cost is not None else None
    return HoldingRow(holding=holding, gain=gain, gain_percent=gain_percent(gain, holding.book_cost))


@dataclass(frozen=True)
class AccountBlock:
    account: InvestmentAccount
    holdings: list[HoldingRow]
    cash: Decimal | None
    value: Decimal | None
    book_cost: Decimal | None
    gain: Decimal | None
    gain_percent: Decimal | None
    source: str  # synced | statement | manual
    as_of: datetime | None
    differences: list = field(default_factory=list)  # reconciliation: objects with a `.message`

    @property
    def badge(self) -> tuple[str, str]:
        return SOURCE_BADGES.get(self.source, SOURCE_BADGES[RecordSource.SYNCED])

    @property
    def provider_name(self) -> str:
        return self.account.connection.institution_name or provider_name(self.account.connection.provider)


def _total(values: list[Decimal | None]) -> Decimal | None:
    """The sum, or None when any part is unknown (a partial sum would look like a real figure)."""
    return None if any(v is None for v in values) else sum(values, Decimal(0))


def account_block(account: InvestmentAccount, differences: list | None = None) -> AccountBlock:
    rows = [holding_row(h) for h in selectors.account_holding_list(account)]
    snapshot = account.current_snapshot
    holdings_value = _total([r.holding.value for r in rows])
    cash = account.current_balance
    value = snapshot.value if snapshot is not None and snapshot.value is not None else \
        _total([holdings_value, cash or Decimal(0)])
    cost = _total([r.holding.book_cost for r in rows]) if rows else None
    gain = holdings_value - cost if holdings_value is not None and cost is not None else None
    source = RecordSource.MANUAL if account.is_manual else (snapshot.source if snapshot else RecordSource.SYNCED)
    return AccountBlock(account=account, holdings=rows, cash=cash, value=value, book_cost=cost, gain=gain,
                        gain_percent=gain_percent(gain, cost), source=source,
                        as_of=snapshot.as_of if snapshot else None, differences=differences or [])


@dataclass(frozen=True)
class WrapperGroup:
    wrapper: str
    label: str
    accounts: list[AccountBlock]

    @property
    def currencies(self) -> set[str]:
        return {block.account.currency for block in self.accounts}

    @property
    def value(self) -> Decimal | None:
        """The wrapper's total, when its accounts share one currency and all are valued."""
        if len(self.currencies) != 1:
            return None
        return _total([block.value for block in self.accounts])

    @property
    def currency(self) -> str:
        return next(iter(self.currencies), "")


def wrapper_groups(blocks: list[AccountBlock]) -> list[WrapperGroup]:
    labels = dict(Wrapper.choices)
    order = {w.value: n for n, w in enumerate(WRAPPER_ORDER)}
    groups: dict[str, list[AccountBlock]] = {}
    for block in blocks:
        groups.setdefault(block.account.wrapper, []).append(block)
    return [WrapperGroup(wrapper=w, label=labels.get(w, w.title()), accounts=groups[w])
            for w in sorted(groups, key=lambda w: order.get(w, len(order)))]


# --- statement preview ------------------------------------------------------------------------
@dataclass(frozen=True)
class PreviewRow:
    booked_date: object
    type_label: str
    security: str
    quantity: Decimal | None
    price: Decimal | None
    price_currency: str
    amount: Decimal
    currency: str


def preview_rows(parsed) -> list[PreviewRow]:
    """The parsed file's trades and cash movements, as the preview table lists them."""


    types = dict(InvestmentTransactionType.choices)
    names = {s.external_id: " · ".join(x for x in (s.name, s.ticker or s.isin) if x) for s in parsed.securities}
    return [PreviewRow(booked_date=t.booked_date, type_label=types.get(t.type, t.type.title()),
                       security=names.get(t.security_external_id, t.security_external_id),
                       quantity=t.quantity, price=t.price, price_currency=t.price_currency, amount=t.amount,
                       currency=t.currency)
            for t in sorted(parsed.transactions, key=lambda t: t.booked_date)]
