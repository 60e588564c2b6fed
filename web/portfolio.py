"""What the portfolio pages show: platforms to connect (with their logos), each investment
connection as a card, and accounts grouped by wrapper with their holdings, value, book cost and
gain. Presentation only: the rows come from the selectors, the figures from the sync or the
statement import (Decimal throughout; no float)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.staticfiles import finders
from django.templatetags.static import static

from integrations_core.models import ConnectionStatus, RecordSource, SyncOutcome, SyncRun
from integrations_core.providers.base import AuthType, Provider
from integrations_core.providers.registry import UnknownProvider, registry
from investments.models import InvestmentAccount, InvestmentConnection, InvestmentTransactionType
from investments.selectors import (
    AccountSummary,
    Figures,
    HoldingRow,
    WrapperGroup,
    account_holdings,
    account_reconciliation,
    portfolio_summary,
)
from investments.services.connections import investment_connection_fetches

from . import selectors
from .presenters import FINISHED

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
    """The provider's declared logo, else the one we ship as `static/logos/<slug>.svg` (or the
slug's first part: `ibkr_flex` -> ibkr.svg), else "" (the page shows an initial)."""
    if provider.logo_url:
        return provider.logo_url
    for name in dict.fromkeys([provider.slug.replace("_", "-"), provider.slug.split("_")[0]]):
        if finders.find(f"logos/{name}.svg"):
            return static(f"logos/{name}.svg")
    return ""


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
    run = None if is_file else selectors.sync_run_latest(connection)
    common = {"connection": connection, "name": connection.institution_name or provider_name(connection.provider),
              "provider_name": provider_name(connection.provider), "is_file": is_file, "last_run": run,
              "logo_url": provider_logo(provider) if provider else ""}
    syncable = not is_file and connection.is_syncable and investment_connection_fetches(connection)
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
@dataclass(frozen=True)
class AccountBlock:
    """One account on the portfolio page: its figures and holdings (investments/selectors.py)
    and any reconciliation differences (each with a `.message`)."""

    summary: AccountSummary
    holdings: list[HoldingRow]
    differences: list = field(default_factory=list)

    @property
    def account(self) -> InvestmentAccount:
        return self.summary.account

    @property
    def figures(self) -> Figures:
        return self.summary.figures

    @property
    def source(self) -> str:
        if self.account.is_manual:
            return RecordSource.MANUAL
        snapshot = self.account.current_snapshot
        return snapshot.source if snapshot is not None else RecordSource.SYNCED

    @property
    def badge(self) -> tuple[str, str]:
        return SOURCE_BADGES.get(self.source, SOURCE_BADGES[RecordSource.SYNCED])

    @property
    def as_of(self) -> datetime | None:
        snapshot = self.account.current_snapshot
        return snapshot.as_of if snapshot is not None else None

    @property
    def is_disconnected(self) -> bool:
        return self.account.connection.status == ConnectionStatus.REVOKED

    @property
    def provider_name(self) -> str:
        return self.account.connection.institution_name or provider_name(self.account.connection.provider)


@dataclass(frozen=True)
class WrapperSection:
    group: WrapperGroup
    accounts: list[AccountBlock]

    @property
    def wrapper(self) -> str:
        return self.group.wrapper

    @property
    def label(self) -> str:
        return self.group.label

    @property
    def totals(self) -> list[Figures]:
        return self.group.totals


def portfolio_sections(user) -> list[WrapperSection]:
    """Accounts by wrapper, each with its holdings and reconciliation differences."""
    return [WrapperSection(group=group, accounts=[
        AccountBlock(summary=summary, holdings=account_holdings(summary.account),
                     differences=account_reconciliation(summary.account))
        for summary in group.accounts]) for group in portfolio_summary(user)]


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
