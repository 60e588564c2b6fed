"""Write a local .env with freshly generated secrets for `make run` (never committed).

Points the real provider clients at the sandbox institutions served by the same dev server."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

ENV_PATH = Path(__file__).resolve().parent.parent / ".env"


def main() -> int:
    if ENV_PATH.exists():
        print(f"{ENV_PATH.name} exists; leaving it as it is.")
        return 0
    site = "http://127.0.0.1:8000"
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
        "DEMO_PASSWORD": secrets.token_urlsafe(9),
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
