"""One runner per kind of source (providers/sources.py). The engine (services/sync.py) asks
`runner_for(source)` and never which provider it is. The core's own kinds are listed here; a
family with a kind of its own (payments' ActivitySource, accounting's BooksSource) registers its
runner from its AppConfig.ready with `runner_register`, so the core never names the family."""

from __future__ import annotations

from collections.abc import Callable

from integrations_core.providers.errors import ProviderConfigurationError
from integrations_core.providers.sources import (
    CursorSource,
    PerAccountSource,
    SnapshotSource,
    ValuationSource,
)

from .context import RunContext
from .cursor import cursor_run
from .per_account import per_account_run
from .snapshot import snapshot_run
from .valuation import valuation_run

# The first kind a source satisfies wins: a snapshot source also lists accounts, as banks do.
SOURCE_RUNNERS: list[tuple[type, Callable[[RunContext], dict]]] = [
    (SnapshotSource, snapshot_run),
    (ValuationSource, valuation_run),
    (CursorSource, cursor_run),
    (PerAccountSource, per_account_run),
]


def runner_register(kind: type, runner: Callable[[RunContext], dict]) -> None:
    """Add (or replace) the runner for a source kind. A family's kinds are checked before the
    core's: a processor source that also lists accounts must not be taken for a bank."""
    SOURCE_RUNNERS[:] = [(k, r) for k, r in SOURCE_RUNNERS if k is not kind]
    SOURCE_RUNNERS.insert(0, (kind, runner))


def runner_for(source) -> Callable[[RunContext], dict]:
    for kind, runner in SOURCE_RUNNERS:
        if isinstance(source, kind):
            return runner
    raise ProviderConfigurationError("This provider cannot be synced")


__all__ = ["SOURCE_RUNNERS", "RunContext", "runner_register", "cursor_run", "per_account_run", "runner_for", "snapshot_run", "valuation_run"]
