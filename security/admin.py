"""The operators' console requires two-factor sign-in.

`admin.site` is this site (security.apps.OperatorAdminConfig). Django's admin runs every admin
view through `has_permission`, and sends anyone it refuses to `login`; here `has_permission`
also requires that the operator has a second factor enrolled *and* used it in this session, and
`login` is allauth's, so the admin never has a password-only door of its own:

- not signed in: allauth's login (password, then the second factor), then back to the admin;
- signed in, no second factor enrolled: the two-factor settings page, with a message;
- enrolled, but this session was not verified with it (signed in before enrolling, or through a
  passkey-less path): allauth's re-authentication with the second factor, then back.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse

from .mfa import mfa_enrolled, mfa_verified_this_session


class OperatorAdminSite(admin.AdminSite):
    site_header = "Finance platform · operators"
    site_title = "Operators' console"

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and mfa_enrolled(request.user) \
            and mfa_verified_this_session(request)

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        user = request.user
        if self.has_permission(request):
            return redirect(next_url)
        if not user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
        if not (user.is_active and user.is_staff):
            messages.error(request, "The operators' console is for operators.")
            return redirect("/")
        if not mfa_enrolled(user):
            messages.warning(request, "Operators must set up two-factor sign-in before opening the console: "
                                      "add an authenticator app or a passkey below.")
            return redirect("mfa_index")
        return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_url})}")
