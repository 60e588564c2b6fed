"""OAuth2 authorization-code flow for providers, built on requests-oauthlib.

A provider mixes in OAuth2Provider and declares its endpoints, scopes and extra auth-link
parameters; PKCE (S256) is used when it declares Capability.PKCE. State handling (single use,
bound to user and connection, 10-minute expiry) lives in services/oauth.py, not here."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any, ClassVar

from django.utils import timezone
from oauthlib.oauth2 import InvalidGrantError, OAuth2Error
from requests_oauthlib import OAuth2Session

from integrations_core.records import TokenSet

from .base import AuthorizationRequest, Capability, Provider
from .errors import BadProviderResponse, ConsentExpired, ProviderAuthError, ProviderUnavailable
from .http import build_session


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) per RFC 7636."""
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return verifier, challenge


class OAuth2Provider(Provider):
    scopes: ClassVar[list[str]] = []
    # Extra query parameters for the auth link (e.g. TrueLayer's `providers`).
    auth_params: ClassVar[dict[str, str]] = {}

    # Subclasses read these from settings so the sandbox can stand in for the real host.
    def authorize_url(self) -> str:
        raise NotImplementedError

    def token_url(self) -> str:
        raise NotImplementedError

    def client_id(self) -> str:
        raise NotImplementedError

    def client_secret(self) -> str:
        raise NotImplementedError

    def is_configured(self) -> bool:
        return bool(self.client_id() and self.client_secret())

    def extra_auth_params(self, connection) -> dict[str, str]:
        return dict(self.auth_params)

    def _session(self, redirect_uri: str | None = None, state: str | None = None) -> OAuth2Session:
        oauth = OAuth2Session(client_id=self.client_id(), redirect_uri=redirect_uri, scope=self.scopes, state=state)
        # Reuse the shared session's timeouts and retry policy (token POSTs are not retried).
        shared = build_session()
        for prefix, adapter in shared.adapters.items():
            oauth.mount(prefix, adapter)
        oauth.default_timeout = shared.default_timeout  # type: ignore[attr-defined]
        return oauth

    def authorization_request(self, connection, *, state: str, redirect_uri: str,
                              code_challenge: str | None) -> AuthorizationRequest:
        oauth = self._session(redirect_uri=redirect_uri, state=state)
        params = self.extra_auth_params(connection)
        if code_challenge and self.has(Capability.PKCE):
            params.update(code_challenge=code_challenge, code_challenge_method="S256")
        url, _ = oauth.authorization_url(self.authorize_url(), **params)
        return AuthorizationRequest(url=url)

    def exchange_code(self, connection, *, code: str, redirect_uri: str, code_verifier: str | None,
                      params: dict[str, Any]) -> TokenSet:
        oauth = self._session(redirect_uri=redirect_uri)
        kwargs: dict[str, Any] = {"include_client_id": True}
        if code_verifier and self.has(Capability.PKCE):
            kwargs["code_verifier"] = code_verifier
        token = self._call_token_endpoint(
            lambda: oauth.fetch_token(self.token_url(), code=code, client_secret=self.client_secret(),
                                      timeout=oauth.default_timeout, **kwargs)
        )
        return self.tokenset_from(token)

    def refresh(self, connection) -> TokenSet:
        if not connection.refresh_token:
            raise ConsentExpired("No refresh token; the person must reconnect")
        oauth = self._session()
        token = self._call_token_endpoint(
            lambda: oauth.refresh_token(self.token_url(), refresh_token=connection.refresh_token,
                                        client_id=self.client_id(), client_secret=self.client_secret(),
                                        timeout=oauth.default_timeout)
        )
        return self.tokenset_from(token)

    @staticmethod
    def _call_token_endpoint(call) -> dict[str, Any]:
        import requests

        try:
            return call()
        except Warning as changed:
            # oauthlib raises a bare Warning, carrying the token, when the server granted other
            # scopes than were asked (RFC 6749 3.3 lets it; a person may refuse a permission).
            # The grant is good: keep the token and its granted `scope`, which providers read to
            # skip what the consent cannot answer, instead of failing the connect or the refresh.
            token = getattr(changed, "token", None)
            if token is None or "access_token" not in token:
                raise
            return dict(token)
        except InvalidGrantError as exc:
            raise ConsentExpired("The provider refused the grant", provider_code="invalid_grant") from exc
        except OAuth2Error as exc:
            raise ProviderAuthError(f"Token endpoint error: {exc.error}", provider_code=exc.error or "") from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise ProviderUnavailable("Could not reach the token endpoint") from exc
        except ValueError as exc:  # body was not JSON, or a token without access_token
            raise BadProviderResponse("The token endpoint sent an unreadable response") from exc

    def tokenset_from(self, token: dict[str, Any]) -> TokenSet:
        expires_in = token.get("expires_in")
        return TokenSet(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token", ""),
            expires_at=timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None,
            scope=" ".join(token.get("scope", [])) if isinstance(token.get("scope"), list) else token.get("scope", ""),
        )
