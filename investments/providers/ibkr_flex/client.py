"""Interactive Brokers Flex Web Service (version 3) over HTTP. Speaks HTTP only: returns the
statement's bytes and raises the shared error types; knows nothing about our models.

The protocol has two steps. `SendRequest?t=<token>&q=<query id>&v=3` answers a small
`<FlexStatementResponse>` envelope with a reference code; `GetStatement?t=<token>&q=<reference>&v=3`
answers either the `<FlexQueryResponse>` statement or an envelope with an error code, of which
1019 ("Statement generation in progress") means "ask again shortly": we poll a bounded number of
times with growing waits (the sleep is injectable so tests never wait).

The token travels as a query parameter, so no URL ever goes into an error, a log line or a
stored payload: errors carry the operation's name only, and the transport exceptions that name
the URL are dropped from the chain before anything is raised."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import requests
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from integrations_core.providers.http import build_session, send

DEFAULT_URL = "https://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService"
VERSION = "3"
# IBKR allows one request a second and ten a minute per token: a 1018 waits the minute out.
RATE_LIMIT_RETRY_AFTER = 60.0
# Waits between GetStatement polls while the statement is generated (1019): 2+4+8+15+15 s.
POLL_WAITS: tuple[float, ...] = (2.0, 4.0, 8.0, 15.0, 15.0)
IN_PROGRESS = "1019"
# The envelopes are a few hundred bytes; anything bigger is not an envelope.
MAX_ENVELOPE_BYTES = 64 * 1024

_AUTH_CODES = {
    "1011": "The Flex Web Service is not active for this account.",
    "1013": "IBKR refused the request from this IP address (the token has an IP restriction).",
    "1014": "IBKR did not accept the Flex query id.",
    "1015": "IBKR did not accept the Flex token.",
    "1016": "IBKR says the account is invalid.",
}
_EXPIRED_CODES = {"1012": "The Flex token has expired: create a new one in IBKR's Client Portal."}
_BUSY_CODES = frozenset({"1003", "1004", "1005", "1006", "1007", "1008", "1009", "1021"})


@dataclass(frozen=True)
class Envelope:
    """One `<FlexStatementResponse>`: Success with a reference code, or Fail/Warn with a code."""

    status: str
    reference_code: str = ""
    error_code: str = ""
    error_message: str = ""


def parse_envelope(data: bytes) -> Envelope:
    """Read a SendRequest/GetStatement envelope with defusedxml (no DTDs, no entities)."""
    if len(data) > MAX_ENVELOPE_BYTES:
        raise BadProviderResponse("IBKR sent an oversized Flex envelope")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadProviderResponse(f"IBKR sent a Flex envelope that is not safe XML ({type(exc).__name__})") from None
    if root.tag != "FlexStatementResponse":
        raise BadProviderResponse("IBKR sent an unexpected Flex envelope")
    fields = {child.tag: (child.text or "").strip() for child in root}
    status = fields.get("Status", "")
    if status not in ("Success", "Fail", "Warn"):
        raise BadProviderResponse("IBKR sent a Flex envelope without a status")
    return Envelope(status=status, reference_code=fields.get("ReferenceCode", ""),
                    error_code=fields.get("ErrorCode", ""), error_message=fields.get("ErrorMessage", ""))


def envelope_error(envelope: Envelope) -> ProviderError:
    """The shared error for a Fail/Warn envelope. Only IBKR's code and fixed text go in."""
    code = envelope.error_code
    kwargs = {"provider_code": code}
    if code in _EXPIRED_CODES:
        return ConsentExpired(_EXPIRED_CODES[code], **kwargs)
    if code in _AUTH_CODES:
        return ProviderAuthError(_AUTH_CODES[code], **kwargs)
    if code == "1018":
        return RateLimited("IBKR: too many Flex requests with this token", retry_after=RATE_LIMIT_RETRY_AFTER,
                           **kwargs)
    if code == IN_PROGRESS or code in _BUSY_CODES:
        return ProviderUnavailable(f"IBKR could not produce the Flex statement yet (code {code})", **kwargs)
    if code == "1017":
        return BadProviderResponse("IBKR did not know the statement's reference code", **kwargs)
    if code == "1020":
        # "Invalid request or unable to validate request": nothing about IBKR's health.
        return RequestRejected("IBKR refused the Flex request (code 1020): check the token and query id", **kwargs)
    return BadProviderResponse(f"IBKR answered the Flex request with code {code or 'none'}", **kwargs)


def _clean(exc: ProviderError) -> ProviderError:
    """Drop the transport exception that caused `exc`: requests names the URL, token and all."""
    exc.__cause__ = None
    exc.__context__ = None
    exc.__suppress_context__ = True
    return exc


class IbkrFlexClient:
    def __init__(self, *, base_url: str, token: str, query_id: str, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, poll_waits: tuple[float, ...] = POLL_WAITS):
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.query_id = query_id
        self.session = session or build_session(user_agent="finance-platform/1.0 (Flex v3)")
        self.sleep = sleep
        self.poll_waits = poll_waits
        self.calls = 0

    def __repr__(self) -> str:  # never the token
        return f"IbkrFlexClient(base_url={self.base_url!r}, query_id={self.query_id!r})"

    def _get(self, operation: str, q: str) -> bytes:
        self.calls += 1
        # The reference code's own GetStatement URL is ignored: the token only ever goes to the
        # host the operator configured.
        try:
            response = send(self.session, "GET", f"{self.base_url}/{operation}",
                            params={"t": self._token, "q": q, "v": VERSION})
        except ProviderError as exc:
            raise _clean(exc) from None
        return response.content

    def send_request(self) -> str:
        """Ask IBKR to generate the query's statement; returns the reference code."""
        envelope = parse_envelope(self._get("SendRequest", self.query_id))
        if envelope.status != "Success":
            raise envelope_error(envelope)
        if not envelope.reference_code.isdigit():
            raise BadProviderResponse("IBKR answered SendRequest without a reference code")
        return envelope.reference_code

    def get_statement(self, reference_code: str) -> bytes:
        """The statement's XML, polling while IBKR generates it (bounded: ProviderUnavailable
        once the waits are used up, so the sync is retried later instead of hanging)."""
        for attempt in range(len(self.poll_waits) + 1):
            data = self._get("GetStatement", reference_code)
            if b"<FlexQueryResponse" in data[:4096]:
                return data
            envelope = parse_envelope(data)
            if envelope.status == "Success":
                raise BadProviderResponse("IBKR answered GetStatement with neither a statement nor an error")
            if envelope.error_code != IN_PROGRESS:
                raise envelope_error(envelope)
            if attempt < len(self.poll_waits):
                self.sleep(self.poll_waits[attempt])
        raise ProviderUnavailable("IBKR was still generating the Flex statement after every poll",
                                  provider_code=IN_PROGRESS)

    def fetch_statement(self) -> bytes:
        return self.get_statement(self.send_request())
