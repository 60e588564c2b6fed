"""Sign-in signals -> the device check. allauth sends user_signed_up just before it logs the new
account in, so the browser a person signs up from is their first known device (no e-mail)."""

from allauth.account.signals import user_signed_up
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .devices import known_device_sign_in


@receiver(user_signed_up, dispatch_uid="security.device_on_signup")
def device_on_signup(sender, request, user, **kwargs):
    if request is not None:
        known_device_sign_in(request, user, notify=False)
        request._known_device_signed_up = True


@receiver(user_logged_in, dispatch_uid="security.device_on_login")
def device_on_login(sender, request, user, **kwargs):
    # Django's test client login()/force_login() send this with a bare HttpRequest (no META).
    if request is None or not request.META.get("REQUEST_METHOD"):
        return
    if getattr(request, "_known_device_signed_up", False):
        return
    known_device_sign_in(request, user)
