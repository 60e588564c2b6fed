"""Write a local .env with freshly generated secrets for `make run` (never committed).

Points the real provider clients at the sandbox institutions served by the same dev server. An
existing .env is kept as it is, but gains the provider settings added since it was written
(`PROVIDER_HOSTS`), so an older checkout's `make run` does not send a sandbox key to a real host."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

ENV_PATH = Path(__file__).resolve().parent.parent / ".env"


SITE = "http://127.0.0.1:8000"
# Hosts of providers that take the person's own key: in dev both Trading 212 environments and
# IBKR are the sandbox's (sandbox/README.md lists the key, secret and query id it accepts).
PROVIDER_HOSTS = {
    "TRADING212_DEMO_URL": f"{SITE}/sandbox/trading212/api/v0",
    "TRADING212_LIVE_URL": f"{SITE}/sandbox/trading212/api/v0",
    "IBKR_FLEX_URL": f"{SITE}/sandbox/ibkr/FlexWebService",
    # Stripe: both hosts, the sandbox platform's Connect client id and secret key, its webhook secret.
    "STRIPE_API_URL": f"{SITE}/sandbox/stripe/api",
    "STRIPE_CONNECT_URL": f"{SITE}/sandbox/stripe/connect",
    "STRIPE_CLIENT_ID": "ca_sandbox_platform",
    "STRIPE_SECRET_KEY": "sk_test_sandbox_platform",
    "STRIPE_WEBHOOK_SECRETS": "whsec_sandbox",
    # QuickBooks Online's four Intuit hosts, each the sandbox's mock (sandbox/quickbooks/urls.py).
    "QUICKBOOKS_AUTH_URL": f"{SITE}/sandbox/quickbooks/appcenter/connect/oauth2",
    "QUICKBOOKS_TOKEN_URL": f"{SITE}/sandbox/quickbooks/oauth/oauth2/v1/tokens/bearer",
    "QUICKBOOKS_REVOKE_URL": f"{SITE}/sandbox/quickbooks/developer/v2/oauth2/tokens/revoke",
    "QUICKBOOKS_API_URL": f"{SITE}/sandbox/quickbooks/api",
    # PayPal: the mock stands in for PayPal's developer sandbox (connect with environment "sandbox").
    "PAYPAL_SANDBOX_URL": f"{SITE}/sandbox/paypal",
}


def _top_up(path: Path) -> list[str]:
    """Append the PROVIDER_HOSTS an existing .env lacks; the names added. Only to a .env that
    enables the sandbox: one an operator pointed at real providers is theirs to edit."""
    text = path.read_text()
    values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))
    present = {name.strip() for name in values}
    if values.get("SANDBOX_ENABLED", "").strip().lower() not in ("true", "1", "yes", "on"):
        return []
    missing = {k: v for k, v in PROVIDER_HOSTS.items() if k not in present}
    if missing:
        body = text if text.endswith("\n") or not text else text + "\n"
        path.write_text(body + "".join(f"{k}={v}\n" for k, v in missing.items()))
    return list(missing)


def main() -> int:
    if ENV_PATH.exists():
        added = _top_up(ENV_PATH)
        print(f"{ENV_PATH.name} exists; " + (f"added {', '.join(added)}." if added else "leaving it as it is."))
        return 0
    site = SITE
    sandbox_secret = secrets.token_urlsafe(24)
    lines = {
        "DEBUG": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": secrets.token_urlsafe(32),
        "ACCOUNT_DIGEST_KEY": secrets.token_urlsafe(32),
        "SITE_URL": site,
        "SANDBOX_ENABLED": "true",
        "SANDBOX_CLIENT_ID": "sandbox-client",
        "SANDBOX_CLIENT_SECRET": sandbox_secret,
        "TRUELAYER_AUTH_URL": f"{site}/sandbox/truelayer/auth",
        "TRUELAYER_API_URL": f"{site}/sandbox/truelayer/api",
        "TRUELAYER_CLIENT_ID": "sandbox-client",
        "TRUELAYER_CLIENT_SECRET": sandbox_secret,
        "TRUELAYER_PROVIDERS": "uk-cs-mock uk-ob-all uk-oauth-all",
        "GOCARDLESS_API_URL": f"{site}/sandbox/gocardless/api/v2",
        "GOCARDLESS_SECRET_ID": "sandbox-client",
        "GOCARDLESS_SECRET_KEY": sandbox_secret,
        "PLAID_URL": f"{site}/sandbox/plaid/api",
        "PLAID_LINK_URL": f"{site}/sandbox/plaid/link/",
        "PLAID_CLIENT_ID": "sandbox-client",
        "PLAID_SECRET": sandbox_secret,
        # Xero (accounting): login, identity and API hosts of the sandbox's mock Xero, and its client.
        "XERO_LOGIN_URL": f"{site}/sandbox/xero/login",
        "XERO_IDENTITY_URL": f"{site}/sandbox/xero/identity",
        "XERO_API_URL": f"{site}/sandbox/xero/api",
        "XERO_CLIENT_ID": "sandbox-client",
        "XERO_CLIENT_SECRET": sandbox_secret,
        **PROVIDER_HOSTS,
        "QUICKBOOKS_CLIENT_ID": "sandbox-client",
        "QUICKBOOKS_CLIENT_SECRET": sandbox_secret,
        "QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN": secrets.token_urlsafe(24),
        "DEMO_PASSWORD": secrets.token_urlsafe(9),
        "OPERATOR_PASSWORD": secrets.token_urlsafe(12),  # never the demo user's
        # The sandbox is served over plain http on localhost; oauthlib refuses http otherwise.
        "OAUTHLIB_INSECURE_TRANSPORT": "1",
    }
    body = "# Written by `make run` for local development. Never commit this file.\n"
    body += "".join(f"{k}={v}\n" for k, v in lines.items())
    ENV_PATH.write_text(body)
    ENV_PATH.chmod(0o600)
    print(f"wrote {ENV_PATH.name} with fresh secrets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
