"""The portfolio pages: connect a platform (a key, or a statement file with its preview), the
portfolio by wrapper, a holding's trades, Sync now and Disconnect. Thin, as web/views.py: every
object is found through the person's own rows (anyone else's id is a 404), writes go through the
core's connect flow and statement services, and secrets never reach a template."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations_core.api.throttles import (
    StatementImportThrottle,
)
from integrations_core.models import ConnectionStatus, StatementImport, StatementImportStatus
from integrations_core.providers.base import AuthType
from integrations_core.services.statements import (
    StatementError,
    statement_confirm,
    statement_parsed,
    statement_parser_for,
    statement_preview,
    statement_size_check,
)
from investments.models import Wrapper
from investments.selectors import (
    account_holdings,
    investment_account_get,
    investment_connection_get,
    investment_connection_list,
    security_get_for,
    security_transactions,
)
from investments.services.connections import (
    MANUAL_PROVIDER,
    investment_connection_revoke,
)
from investments.services.manual import investment_account_wrapper_set

from . import selectors, services
from .connect_views import api_key_connect_submit
from .forms import CredentialsForm, PortfolioDisconnectForm, StatementUploadForm
from .portfolio import (
    investment_card,
    platform_tiles,
    portfolio_sections,
    preview_rows,
    provider_logo,
    provider_name,
    sync_message,
)
from .views import (
    SyncPage,
    _retention_days,
    _throttle_wait,
    sync_now_response,
    sync_payload,
)


def _provider(slug: str, auth_type: AuthType):
    """An available investment platform connected this way, else 404."""
    for provider in selectors.investment_providers_available():
        if provider.slug == slug and provider.auth_type == auth_type:
            return provider
    raise Http404("No such platform.")


def _file_providers():
    return [p for p in selectors.investment_providers_available() if p.auth_type == AuthType.FILE_UPLOAD]


# --- portfolio --------------------------------------------------------------------------------
@login_required
@require_GET
def portfolio(request):
    connections = list(investment_connection_list(request.user).order_by("-created_at"))
    # The person's manual accounts hang off a connection of their own: not a platform to show.
    connections = [c for c in connections if c.provider != MANUAL_PROVIDER]
    current = [c for c in connections if c.status != ConnectionStatus.REVOKED]
    return render(request, "web/portfolio/portfolio.html", {
        "cards": [investment_card(c) for c in current],
        "revoked": [c for c in connections if c.status == ConnectionStatus.REVOKED],
        "sections": portfolio_sections(request.user), "retention_days": _retention_days(),
        "wrapper_choices": Wrapper.choices,
    })


@login_required
@require_GET
def holding_trades(request, account_pk, security_pk):
    account = investment_account_get(request.user, account_pk)
    security = security_get_for(request.user, security_pk)
    trades = list(security_transactions(account, security))
    holding = next((row for row in account_holdings(account) if row.security.pk == security.pk), None)
    if not trades and holding is None:
        raise Http404("This account has no such holding.")
    return render(request, "web/portfolio/trades.html",
                  {"account": account, "security": security, "holding": holding, "trades": trades})


# --- connect ----------------------------------------------------------------------------------
def _connect_page(request, upload_form: StatementUploadForm | None = None, status: int = 200):
    with_key, with_file = platform_tiles(selectors.investment_providers_available())
    return render(request, "web/portfolio/connect.html", {
        "with_key": with_key, "with_file": with_file,
        "upload_form": upload_form or StatementUploadForm(providers=[t.provider for t in with_file],
                                                          initial={"provider": request.GET.get("platform", "")}),
    }, status=status)


@login_required
@require_GET
def platform_connect(request):
    return _connect_page(request)


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def platform_connect_key(request, slug):
    provider = _provider(slug, AuthType.API_KEY)
    form = CredentialsForm(request.POST if request.method == "POST" else None, provider=provider)
    status = 200
    if request.method == "POST":
        connection, status = api_key_connect_submit(request, provider, form)
        if connection is not None:
            messages.success(request, f"Connected {connection.institution_name or provider.name}. "
                                      "Syncing your holdings now: this page updates when it is done.")
            return redirect(reverse("web:portfolio") + f"#connection-{connection.pk}")
    return render(request, "web/portfolio/connect_key.html",
                  {"provider": provider, "logo_url": provider_logo(provider), "form": form}, status=status)


@login_required
@require_POST
def statement_upload(request):
    providers = _file_providers()
    form = StatementUploadForm(request.POST, request.FILES, providers=providers)
    if not form.is_valid():
        return _connect_page(request, form, status=400)
    if wait := _throttle_wait(request, StatementImportThrottle):
        form.add_error(None, f"You have uploaded a lot of files recently. Try again in {wait // 60 + 1} minutes.")
        return _connect_page(request, form, status=429)
    upload = form.cleaned_data["file"]
    try:
        parser = statement_parser_for(_provider(form.cleaned_data["provider"], AuthType.FILE_UPLOAD))
        statement_size_check(parser, upload.size)  # before a byte is read into memory
        preview = statement_preview(user=request.user, provider=parser, upload=upload.read(), filename=upload.name)
    except StatementError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _connect_page(request, form, status=400)
    return redirect("web:statement-preview", pk=preview.pk)


def _statement_import(request, pk) -> StatementImport:
    return get_object_or_404(StatementImport, pk=pk, user=request.user)


@login_required
@require_GET
def statement_preview_page(request, pk):
    statement_import = _statement_import(request, pk)
    parsed = statement_parsed(statement_import)
    already = (statement_import.status != StatementImportStatus.IMPORTED and StatementImport.objects.filter(
        user=request.user, sha256=statement_import.sha256, status=StatementImportStatus.IMPORTED).exists())
    return render(request, "web/portfolio/preview.html", {
        "si": statement_import, "parsed": parsed, "rows": preview_rows(parsed) if parsed else [],
        "already_imported": already, "can_confirm": parsed is not None and not statement_import.errors,
        "platform": provider_name(statement_import.provider),
    })


@login_required
@require_POST
def statement_confirm_page(request, pk):
    statement_import = _statement_import(request, pk)
    try:
        imported = statement_confirm(statement_import)
    except StatementError as exc:
        if exc.code == "already_imported":
            messages.info(request, "This file has already been imported: nothing changed.")
            return redirect("web:portfolio")
        messages.error(request, exc.message)
        return redirect("web:statement-preview", pk=statement_import.pk)
    messages.success(request, f"Imported {imported.filename}: {imported.added} new, {imported.unchanged} "
                              "already here.")
    return redirect("web:portfolio")


@login_required
@require_POST
def statement_cancel(request, pk):
    services.statement_import_discard(_statement_import(request, pk))
    messages.info(request, "Cancelled: nothing was imported.")
    return redirect("web:platform-connect")


# --- sync and disconnect ----------------------------------------------------------------------
PORTFOLIO_SYNC = SyncPage(status_url="web:portfolio-sync-status", card_template="web/portfolio/_connection.html",
                          card=investment_card, back="web:portfolio", message=sync_message)


@login_required
@require_POST
def portfolio_sync(request, pk):
    return sync_now_response(request, investment_connection_get(request.user, pk), PORTFOLIO_SYNC)


@login_required
@require_GET
def portfolio_sync_status(request, pk, run_id):
    connection = investment_connection_get(request.user, pk)
    run = selectors.sync_run_get(connection, run_id)
    return JsonResponse(sync_payload(request, connection, run, PORTFOLIO_SYNC))


@login_required
@require_http_methods(["GET", "POST"])
def portfolio_disconnect(request, pk):
    connection = investment_connection_get(request.user, pk)
    card = investment_card(connection)
    if connection.status == ConnectionStatus.REVOKED:
        messages.info(request, f"{card.name} is already disconnected.")
        return redirect("web:portfolio")
    form = PortfolioDisconnectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        investment_connection_revoke(connection, actor=request.user,
                                     delete_data=form.cleaned_data["delete_data"])
        messages.success(request, f"Disconnected {card.name}. Its key is erased and we will no longer read from it.")
        return redirect("web:portfolio")
    return render(request, "web/portfolio/disconnect.html",
                  {"card": card, "form": form, "retention_days": _retention_days()})


@login_required
@require_POST
def portfolio_account_wrapper(request, pk):
    """The person says which wrapper an account is (platforms rarely do); syncs keep it."""
    account = investment_account_get(request.user, pk)
    wrapper = request.POST.get("wrapper", "")
    if wrapper not in Wrapper.values:
        messages.error(request, "Choose one of the listed wrappers.")
        return redirect("web:portfolio")
    investment_account_wrapper_set(account, wrapper)
    messages.success(request, f"{account.name} is now shown as {Wrapper(wrapper).label}.")
    return redirect("web:portfolio")
