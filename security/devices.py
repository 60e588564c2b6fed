"""New-device sign-in e-mails.

What "device" means here, honestly: a browser profile (or app install) that keeps our cookie.
The first sign-in from a browser sets a random 128-bit id in a signed, HttpOnly cookie kept for
KNOWN_DEVICE_COOKIE_MAX_AGE (400 days, the most browsers allow); an app client without cookies
may send the same kind of id as `X-Device-Id`. A sign-in whose id this account has not seen
before (no cookie, a cleared or private window, another browser, a forged cookie that fails the
signature) e-mails the account's owner. It is not a fingerprint: the same laptop with a fresh
browser profile counts as new, and someone who copies the cookie counts as known; the e-mail is
a tripwire for a stolen password, the second factor is the lock.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from .models import KnownDevice

COOKIE_SALT = "security.known-device"
DEVICE_HEADER = "X-Device-Id"


def _digest(device_id: str) -> str:
    return hashlib.sha256(device_id.encode()).hexdigest()


def device_id_from_request(request) -> str:
    """The device id the request carries (cookie first, then the app header), or ""."""
    cookie = request.get_signed_cookie(settings.KNOWN_DEVICE_COOKIE, default="", salt=COOKIE_SALT)
    if cookie:
        return cookie
    header = request.headers.get(DEVICE_HEADER, "").strip()
    return header if 16 <= len(header) <= 128 else ""


def device_label(request) -> str:
    """"Chrome on Linux" from the User-Agent, or "an app" / "a browser"; no IP addresses."""
    agent = request.headers.get("User-Agent", "")
    browser = next((name for token, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                                             ("Safari/", "Safari")) if token in agent), "")
    system = next((name for token, name in (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
                                            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))
                   if token in agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or ("an app" if request.headers.get(DEVICE_HEADER) else "a browser")


def known_device_sign_in(request, user, *, notify: bool = True) -> bool:
    """Record the device a sign-in came from; e-mail the owner when it is new. Returns True when
    it was new. The device cookie to set is left on the request for the middleware."""
    device_id = device_id_from_request(request)
    if not device_id:
        device_id = secrets.token_urlsafe(16)
    request._known_device_cookie = device_id
    device, created = KnownDevice.objects.get_or_create(
        user=user, device_digest=_digest(device_id), defaults={"label": device_label(request)[:120]})
    if not created:
        device.save(update_fields=["last_seen_at"])
        return False
    if notify and user.email:
        context = {"user": user, "device": device.label, "when": timezone.localtime(timezone.now()),
                   "site_url": settings.SITE_URL}
        send_mail(render_to_string("security/email/new_device_subject.txt", context).strip(),
                  render_to_string("security/email/new_device_message.txt", context),
                  settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def set_device_cookie(request, response) -> None:
    device_id = getattr(request, "_known_device_cookie", "")
    if device_id:
        response.set_signed_cookie(settings.KNOWN_DEVICE_COOKIE, device_id, salt=COOKIE_SALT,
                                   max_age=settings.KNOWN_DEVICE_COOKIE_MAX_AGE, httponly=True,
                                   secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")


__all__ = ["known_device_sign_in", "set_device_cookie", "device_id_from_request"]
