"""Whether a person has two-factor sign-in set up, and whether this session used it.

"Verified this session" reads allauth's own record of how the session was authenticated
(`account_authentication_methods`): allauth adds a `method: "mfa"` entry when a TOTP code,
recovery code or passkey is accepted at login or at re-authentication, and nowhere else."""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled


def mfa_enrolled(user) -> bool:
    return bool(user and user.is_authenticated and is_mfa_enabled(user))


def mfa_verified_this_session(request) -> bool:
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))
