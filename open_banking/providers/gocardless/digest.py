"""A keyed one-way digest of an IBAN, so a reconnect (which brings new GoCardless account ids) can
find the account we already know without storing the number.

Keyed, because a plain hash of a UK IBAN can be brute-forced from the sort code and the masked
digits we do store. But the key must outlive every routine key rotation: a digest can only be
computed when GoCardless shows us the IBAN (the first sync of a requisition), so a stored digest
the current key cannot reproduce is never repaired, and the next reconnect would start a second
copy of the account. It used to be keyed on SECRET_KEY, so rotating SECRET_KEY (which must never
touch data) did exactly that.

The key is `ACCOUNT_DIGEST_KEY`, a secret of its own that no routine rotation touches (set it once
in production and keep it). Unset, it is FIELD_ENCRYPTION_KEY, a secret that is rotated only
deliberately, with `FIELD_ENCRYPTION_OLD_KEYS` listing the old one meanwhile. Matching accepts a
digest under any key still configured — ACCOUNT_DIGEST_OLD_KEYS, FIELD_ENCRYPTION_KEY and its old
keys, and the legacy SECRET_KEY form under SECRET_KEY and SECRET_KEY_FALLBACKS — and a matched
account is stored again with the digest under the current key (the account upsert writes the
record's raw), so old forms disappear as accounts are reconnected."""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

PREFIX = "v2:"  # digests under the dedicated key; the legacy SECRET_KEY ones have no prefix
_SALT = "open_banking.account_digest.v2"
_LEGACY_SALT = "open_banking.iban_digest"


def compact_iban(iban: str) -> str:
    return (iban or "").replace(" ", "").upper()


def digest_key() -> str:
    return getattr(settings, "ACCOUNT_DIGEST_KEY", "") or settings.FIELD_ENCRYPTION_KEY


def _accepted_keys() -> list[str]:
    keys = [digest_key(), *getattr(settings, "ACCOUNT_DIGEST_OLD_KEYS", []), settings.FIELD_ENCRYPTION_KEY,
            *settings.FIELD_ENCRYPTION_OLD_KEYS]
    return list(dict.fromkeys(k for k in keys if k))


def _v2(compact: str, key: str) -> str:
    return PREFIX + salted_hmac(_SALT, compact, secret=key, algorithm="sha256").hexdigest()


def iban_digest(iban: str) -> str:
    """The digest stored with an account (raw["iban_digest"]), under the current key."""
    compact = compact_iban(iban)
    return _v2(compact, digest_key()) if compact else ""


def iban_digests(iban: str) -> set[str]:
    """Every form of this IBAN's digest that a stored account may hold and that we still accept."""
    compact = compact_iban(iban)
    if not compact:
        return set()
    found = {_v2(compact, key) for key in _accepted_keys()}
    legacy = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    found |= {salted_hmac(_LEGACY_SALT, compact, secret=key, algorithm="sha256").hexdigest() for key in legacy if key}
    return found
