"""The mock bank's HTML pages (login with bank picker, consent, error), shared by every
protocol so each provider package only decides what happens after the person clicks."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from .data import build_book
from .faults import FAULT_LOGINS
from .forms import BankLoginForm
from .institutions import INSTITUTIONS, Institution


def logo_url(request: HttpRequest, institution: Institution) -> str:
    return request.build_absolute_uri(reverse("sandbox:logo", args=[institution.slug]))


def error_page(request: HttpRequest, title: str, message: str, status: int = 400) -> HttpResponse:
    return render(request, "sandbox/error.html", {"title": title, "message": message}, status=status)


def login_page(request: HttpRequest, form: BankLoginForm, *, provider_name: str,
               institution: Institution | None) -> HttpResponse:
    choices = [{"institution": i, "logo": logo_url(request, i)} for i in INSTITUTIONS]
    return render(request, "sandbox/login.html", {
        "form": form, "provider_name": provider_name, "institution": institution,
        "institution_logo": logo_url(request, institution) if institution else "",
        "choices": choices, "fault_logins": FAULT_LOGINS,
    }, status=400 if form.is_bound else 200)


def consent_page(request: HttpRequest, *, provider_name: str, institution: Institution, username: str,
                 permissions: list[str], expires_at: datetime, today) -> HttpResponse:
    book = build_book(institution.slug, username, today)
    return render(request, "sandbox/consent.html", {
        "provider_name": provider_name, "institution": institution,
        "institution_logo": logo_url(request, institution), "username": username,
        "accounts": [snapshot.account for snapshot in book.accounts],
        "permissions": permissions, "expires_at": expires_at,
    })


def redirect_with_params(url: str, **params: str) -> HttpResponseRedirect:
    """Back to the client's redirect URL, keeping any query it already had."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [(k, v) for k, v in params.items()]
    return HttpResponseRedirect(urlunsplit(parts._replace(query=urlencode(query))))
