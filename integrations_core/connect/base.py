"""The connect-flow protocol and the step a flow hands back to the person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from integrations_core.providers.base import CredentialField

if TYPE_CHECKING:
    from integrations_core.models import Connection, StatementImport
    from integrations_core.providers.base import Provider

StepKind = Literal["redirect", "form", "upload"]


@dataclass(frozen=True)
class ConnectStep:
    """What the person does next: follow `url` (redirect), fill in `fields` (form), or upload a
    file (upload). `connection` is None while nothing has been stored yet (an API-key form before
    the key is checked, an upload before it is confirmed). `statement_import` is the preview an
    upload step made, when the file came with the request (an addition to the agreed shape)."""

    kind: StepKind
    connection: Connection | None
    url: str = ""
    fields: tuple[CredentialField, ...] = ()
    statement_import: StatementImport | None = field(default=None, compare=False)
    # Token-exchange flows: what a mobile SDK opens the provider's widget with, and the state
    # to send back with the public token it returns.
    client_token: str = ""
    state: str = ""


class ConnectError(Exception):
    """The connect request cannot go ahead; nothing was stored. `message` is safe to show (it
    never holds a key); `fields` maps inputs to their errors; `retry_after` is set (seconds)
    when the provider asked us to wait."""

    def __init__(self, code: str, message: str, *, fields: dict[str, list[str]] | None = None,
                 status: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.code, self.message, self.fields, self.status = code, message, fields or {}, status
        self.retry_after = retry_after


@runtime_checkable
class ConnectFlow(Protocol):
    """One way of connecting. `kind` is the kind of step `start` returns."""

    kind: str

    def start(self, *, user, provider: Provider, data: dict[str, Any]) -> ConnectStep: ...

    def complete(self, *, user, provider: Provider, connection: Connection | None,
                 data: dict[str, Any]) -> Connection: ...
