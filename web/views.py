"""Thin views: read the request, call a family's selector or service (the same ones the API
uses), render. Every object is looked up through the person's own rows, so anyone else's id is a
404. Views that JavaScript calls answer JSON when asked for it and redirect otherwise, so every
page also works without scripts."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations_core.api.throttles import ConnectionCreateThrottle, SyncRequestThrottle
from integrations_core.networth import net_worth_summary
from integrations_core.services.connections import SyncNotPossible, connection_sync_now
from integrations_core.services.sync import SyncQueueUnavailable
from open_banking import services as bank_services
from open_banking.api.renderers import CSV_COLUMNS, category_label_cell, csv_line
from open_banking.selectors import bank_connection_get
from open_banking.services import manual as manual_services
from transactions.selectors.listing import transactions_totals
from transactions.selectors.spending import spending_summary, user_main_currency
from transactions.selectors.transactions import bank_transaction_get_for_user
from transactions.services.budgets import add_months, budget_summary
from transactions.services.corrections import transaction_recategorise
from transactions.user_taxonomy import user_taxonomy

from . import selectors, services
from .banks import bank_choices
from .forms import (
    BudgetForm,
    ConnectForm,
    DisconnectForm,
    InstitutionSearchForm,
    ManualAccountForm,
    RecategoriseForm,
    TransactionFilterForm,
    category_choices,
    parse_month,
)
from .presenters import FINISHED, budget_rows, connection_card, spending_chart, sync_run_message
from .views_editing import budget_page_extras, current_period_month

INSTITUTIONS_SHOWN = 60
TRANSACTIONS_PER_PAGE = 50


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _throttle_wait(request, throttle_class) -> int:
    """Seconds to wait if the person has used up the same allowance the API gives them, else 0."""
    throttle = throttle_class()
    if throttle.allow_request(request, None):
        return 0
    return max(1, int(throttle.wait() or 60))


def _retention_days() -> int | None:
    """How long a disconnected bank's data is kept before the daily purge (None: kept)."""
    return getattr(settings, "REVOKED_DATA_RETENTION_DAYS", None)


def _json_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def home(request):
    if request.user.is_authenticated:
        return redirect("web:accounts")
    return render(request, "home.html")


# --- connections ----------------------------------------------------------------------------
@login_required
@require_GET
def connections(request):
    providers = selectors.bank_providers_available()
    search = InstitutionSearchForm(request.GET, providers=providers)
    search.is_valid()
    # No provider chosen (the usual case): the person picks a bank and the platform picks the
    # provider (web/banks.py). Choosing one ("Connect through") is still possible.
    provider = search.cleaned_data.get("provider") or ""
    query = search.cleaned_data.get("q", "")
    if provider:
        institutions = list(selectors.institution_search(provider=provider, text=query)[:INSTITUTIONS_SHOWN + 1])
    else:
        institutions = bank_choices(providers=providers, text=query, limit=INSTITUTIONS_SHOWN)
    current, revoked = selectors.connections_for_page(request.user)
    return render(request, "web/connections.html", {
        "cards": [_card_following_its_sync(c) for c in current], "revoked": revoked, "providers": providers,
        "provider": provider, "search": search, "query": query, "institutions": institutions[:INSTITUTIONS_SHOWN],
        "more_institutions": len(institutions) > INSTITUTIONS_SHOWN, "retention_days": _retention_days(),
    })


@login_required
@require_POST
def connection_connect(request):
    form = ConnectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a bank to connect.")
        return redirect("web:connections")
    if wait := _throttle_wait(request, ConnectionCreateThrottle):
        messages.error(request, f"You have started a lot of connections recently. Try again in {wait // 60 + 1} "
                                "minutes.")
        return redirect("web:connections")
    try:
        authorization = bank_services.bank_connection_initiate(
            user=request.user, provider_slug=form.cleaned_data["provider"],
            institution_id=form.cleaned_data["institution"])
    except bank_services.ConnectError as exc:
        messages.error(request, exc.message)
        return redirect("web:connections")
    return HttpResponseRedirect(authorization.authorization_url)


@login_required
@require_POST
def connection_reconnect(request, pk):
    connection = bank_connection_get(request.user, pk)
    try:
        authorization = bank_services.bank_connection_reconnect(connection, actor=request.user)
    except bank_services.ConnectError as exc:
        messages.error(request, exc.message)
        return redirect("web:connections")
    return HttpResponseRedirect(authorization.authorization_url)


def _sync_in_progress(connection):
    """The connection's latest run if it is still queued or running, else None."""
    run = selectors.sync_run_latest(connection)
    return run if run is not None and run.outcome not in FINISHED else None


def _card_following_its_sync(connection):
    card = connection_card(connection)
    run = _sync_in_progress(connection)
    if run is None:
        return card
    first = connection.last_synced_at is None
    message = "Fetching your accounts for the first time. This can take a minute." if first \
        else sync_run_message(run)
    return replace(card, running_status_url=reverse("web:connection-sync-status", args=[connection.pk, run.pk]),
                   running_message=message)


@dataclass(frozen=True)
class SyncPage:
    """How one family's page shows a connection's "Sync now": its status URL, its card, where
    to go back to, and how a run is said. The view logic is the same for every family."""

    status_url: str  # URL name taking (connection pk, run pk)
    card_template: str
    card: Callable  # connection -> the card the template renders
    back: str  # URL name of the family's page
    message: Callable  # SyncRun -> one sentence


def sync_payload(request, connection, run, page: SyncPage) -> dict:
    payload = {"run": str(run.pk), "outcome": run.outcome, "finished": run.outcome in FINISHED,
               "message": page.message(run), "status_url": reverse(page.status_url, args=[connection.pk, run.pk])}
    if payload["finished"]:
        connection.refresh_from_db()
        payload["card_html"] = render_to_string(page.card_template, {"card": page.card(connection)}, request=request)
    return payload


def sync_now_response(request, connection, page: SyncPage):
    """POST "Sync now" for any family (the core's connection_sync_now): JSON for the page's
    script, a redirect with a message otherwise."""
    if (running := _sync_in_progress(connection)) is not None:
        # A sync is already under way (often the first one after connecting): follow it instead of
        # starting a second that could only be skipped as "another sync is already running".
        if _wants_json(request):
            return JsonResponse(sync_payload(request, connection, running, page), status=202)
        messages.info(request, "A sync is already under way. Reload in a minute to see it finish.")
        return redirect(page.back)
    if wait := _throttle_wait(request, SyncRequestThrottle):
        error = ("throttled", f"You have asked for a lot of syncs recently. Try again in {wait // 60 + 1} minutes.",
                 429)
    else:
        try:
            run = connection_sync_now(connection, actor=request.user)
        except SyncNotPossible as exc:
            message = exc.message
            if exc.retry_after:
                seconds = max(1, math.ceil((exc.retry_after - timezone.now()).total_seconds()))
                message = f"{message.rstrip('.')}: try again in {seconds} seconds."
            error = (exc.code, message, 409)
        except SyncQueueUnavailable:
            error = ("queue_unavailable", "We could not start the sync right now. Try again shortly.", 503)
        else:
            if _wants_json(request):
                return JsonResponse(sync_payload(request, connection, run, page), status=202)
            messages.info(request, page.message(run))
            return redirect(page.back)
    if _wants_json(request):
        return _json_error(*error)
    messages.error(request, error[1])
    return redirect(page.back)


BANK_SYNC = SyncPage(status_url="web:connection-sync-status", card_template="web/connections/_card.html",
                     card=connection_card, back="web:connections", message=sync_run_message)


@login_required
@require_POST
def connection_sync(request, pk):
    return sync_now_response(request, bank_connection_get(request.user, pk), BANK_SYNC)


@login_required
@require_GET
def connection_sync_status(request, pk, run_id):
    connection = bank_connection_get(request.user, pk)
    run = selectors.sync_run_get(connection, run_id)
    return JsonResponse(sync_payload(request, connection, run, BANK_SYNC))


@login_required
@require_http_methods(["GET", "POST"])
def connection_disconnect(request, pk):
    connection = bank_connection_get(request.user, pk)
    card = connection_card(connection)
    if card.state == "revoked":
        messages.info(request, f"{card.name} is already disconnected.")
        return redirect("web:connections")
    form = DisconnectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        bank_services.bank_connection_revoke(connection, actor=request.user,
                                             delete_data=form.cleaned_data["delete_data"])
        messages.success(request, f"Disconnected {card.name}. We will no longer read from it.")
        return redirect("web:connections")
    return render(request, "web/disconnect.html", {"card": card, "form": form, "retention_days": _retention_days()})


# --- accounts -------------------------------------------------------------------------------
def _accounts_page(request, form: ManualAccountForm, status: int = 200):
    return render(request, "web/accounts.html", {
        "rows": selectors.account_rows(request.user), "chart": selectors.balance_chart(request.user), "form": form,
    }, status=status)


@login_required
@require_GET
def accounts(request):
    return _accounts_page(request, ManualAccountForm())


@login_required
@require_POST
def manual_account_create(request):
    form = ManualAccountForm(request.POST)
    if not form.is_valid():
        return _accounts_page(request, form, status=400)
    account = manual_services.manual_account_create(user=request.user, **form.cleaned_data)
    messages.success(request, f"Added {account.name}.")
    return redirect("web:accounts")


@login_required
@require_http_methods(["GET", "POST"])
def manual_account_delete(request, pk):
    """GET: the confirmation (what goes with it); POST: delete."""
    account = selectors.manual_account_get(request.user, pk)
    if request.method == "GET":
        return render(request, "web/accounts/delete.html", {
            "account": account, "transactions_count": account.transactions.count(),
            "history_count": account.balance_snapshots.count()})
    manual_services.manual_account_delete(account, actor=request.user)
    messages.success(request, f"Removed {account.name}.")
    return redirect("web:accounts")


# --- transactions ---------------------------------------------------------------------------
def _transaction_filters(request) -> tuple[TransactionFilterForm, dict]:
    form = TransactionFilterForm(request.GET, accounts=selectors.transaction_accounts(request.user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return form, {"account": data.get("account") or "", "date_from": data.get("date_from"),
                  "date_to": data.get("date_to"), "category": data.get("category") or "",
                  "text": data.get("q") or "", "status": data.get("status") or "",
                  "amount": data.get("amount") or "", "tag": data.get("tag") or "", "hidden": data.get("hidden") or ""}


@login_required
@require_GET
def transactions(request):
    form, filters = _transaction_filters(request)
    rows = selectors.transaction_search(request.user, **filters)
    page = Paginator(rows, TRANSACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/transactions.html", {
        "form": form, "page": page, "querystring": query.urlencode(),
        "category_choices": category_choices(user=request.user), "totals": transactions_totals(rows),
    }, status=400 if "amount" in form.errors else 200)  # a bad amount says so; other fields fall back


@login_required
@require_GET
def transactions_export(request):
    """Every row matching the filters (not only one page), in the API's CSV columns."""
    _, filters = _transaction_filters(request)
    rows = selectors.transaction_search(request.user, **filters)

    def lines():
        yield csv_line(CSV_COLUMNS)
        for tx in rows.iterator(chunk_size=2000):
            yield csv_line([tx.booked_date, tx.value_date, tx.account.name, tx.description, tx.merchant_name,
                            tx.amount, tx.currency, tx.transaction_type, tx.status, tx.category,
                            category_label_cell(tx.category), tx.provider_category, tx.running_balance, tx.id])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="transactions.csv"'
    return response


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return fallback


@login_required
@require_http_methods(["GET", "POST"])
def transaction_category(request, pk):
    """Recategorise: the correction locks the row and teaches the categoriser this merchant."""
    tx = bank_transaction_get_for_user(request.user, pk)
    form = RecategoriseForm(request.POST if request.method == "POST" else None, initial={"category": tx.category},
                            user=request.user)
    next_url = _safe_next(request, reverse("web:transactions"))
    if request.method == "POST":
        if form.is_valid():
            result = transaction_recategorise(user=request.user, tx=tx, category=form.cleaned_data["category"],
                                              apply_to_similar=form.cleaned_data["apply_to_similar"])
            label = user_taxonomy(request.user).path_label(result.transaction.category)
            message = f"Category changed to {label}."
            if result.similar_updated:
                message += f" {result.similar_updated} more from the same shop changed too."
            if _wants_json(request):
                return JsonResponse({"category": result.transaction.category, "label": label, "message": message,
                                     "similar_updated": result.similar_updated})
            messages.success(request, message)
            return redirect(next_url)
        if _wants_json(request):
            return _json_error("invalid", " ".join(form.errors.get("category", ["Choose a category."])), 400)
    return render(request, "web/recategorise.html", {"tx": tx, "form": form, "next": next_url},
                  status=400 if form.errors else 200)


# --- budgets --------------------------------------------------------------------------------
@login_required
@require_GET
def budgets(request):
    # With a payday, "now" is the period today is in (paid on the 25th, 3 December is in
    # November's period, 25 November to 24 December).
    this_month = current_period_month(request.user)
    month = parse_month(request.GET["month"]) if request.GET.get("month") else this_month
    currency = user_main_currency(request.user)
    extras = budget_page_extras(request.user, month)  # the budget period: from payday when set
    spending = spending_summary(request.user, date_from=extras["period_start"], date_to=extras["period_end"],
                                currency=currency, group_by="category")
    return render(request, "web/budgets.html", {
        # The same family-agnostic selector as the API's /net-worth/ (cached per person).
        "net_worth": net_worth_summary(request.user).now,
        "month": month, "previous_month": add_months(month, -1),
        "next_month": add_months(month, 1) if month < this_month else None,
        "budgets": budget_rows(budget_summary(user=request.user, month=month)["budgets"]),
        "spending": spending, "chart": spending_chart(spending),
        "recurring": selectors.recurring_payment_list(request.user),
        "form": BudgetForm(initial={"month": month.strftime("%Y-%m")}, user=request.user),
        **extras,
    })


@login_required
@require_POST
def budget_set(request):
    form = BudgetForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, "Choose a category and enter a monthly limit of zero or more.")
        return redirect(reverse("web:budgets") + f"?month={request.POST.get('month', '')}")
    month = form.cleaned_data["month"]
    budget, created = services.budget_set(user=request.user, category=form.cleaned_data["category"],
                                          amount=form.cleaned_data["amount"],
                                          currency=user_main_currency(request.user), month=month)
    label = user_taxonomy(request.user).path_label(budget.category)
    messages.success(request, f"{'Added' if created else 'Changed'} the {label} budget.")
    return redirect(reverse("web:budgets") + f"?month={month:%Y-%m}")
