"""The business's payment processor pages: balances per processor and currency, payouts and
what each carried (with the totals that show it reconciles), balance transactions with a type
filter, disputes with their evidence deadlines, and connecting a processor through the core's
generic connect flows (a redirect for Connect OAuth, the key form for a restricted key). Thin:
payments selectors find everything through the person's own rows (anyone else's id is a 404)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations_core.api.throttles import ConnectionCreateThrottle
from integrations_core.connect.base import ConnectError
from integrations_core.connect.registry import flow_for
from integrations_core.providers.base import AuthType, Family
from integrations_core.selectors import providers_enabled
from integrations_core.services.connections import connection_revoke
from payments import selectors
from payments.models import BalanceTransactionType, PaymentsConnection
from payments.reconcile import processor_name

from .connect_views import api_key_connect_submit, sync_now_message
from .forms import CredentialsForm
from .portfolio import provider_logo
from .views import _throttle_wait

PAGE_SIZE = 50
DEADLINE_SOON_DAYS = 3
NEEDS_RESPONSE = ("needs_response", "warning_needs_response")


def _processors():
    return [p for p in providers_enabled() if p.family == Family.PAYMENTS]


def _provider(slug: str, auth_type: AuthType):
    found = next((p for p in _processors() if p.slug == slug and p.auth_type == auth_type), None)
    if found is None:
        raise Http404("No such processor")
    return found


def _connection(request, pk) -> PaymentsConnection:
    connection = PaymentsConnection.objects.filter(user=request.user, pk=pk).first()
    if connection is None:
        raise Http404("No such connection")
    return connection


@login_required
@require_GET
def payments(request):
    today = timezone.localdate()
    connections = list(selectors.processor_connections(request.user))
    accounts = list(selectors.processor_accounts(request.user).filter(connection__in=connections))
    for connection in connections:
        connection.display_name = processor_name(connection.provider)
        connection.balances = [a for a in accounts if a.connection_id == connection.pk]
    income = selectors.income_by_processor(request.user, since=today - timedelta(days=29), until=today)
    for line in income:
        line["name"] = processor_name(line["provider"])
    return render(request, "web/payments/payments.html", {
        "connections": connections,
        "payouts": list(selectors.payouts(request.user)[:5]),
        "disputes": _with_deadlines(list(selectors.disputes(request.user, open_only=True)[:5])),
        "income": income,
        "processors": [{"provider": p, "logo": provider_logo(p), "redirect": p.auth_type != AuthType.API_KEY}
                       for p in _processors()],
    })


def _with_deadlines(disputes):
    now = timezone.now()
    for dispute in disputes:
        # Only a dispute still waiting for the business's evidence has a deadline to flag.
        due = dispute.evidence_due_by if dispute.status in NEEDS_RESPONSE and not dispute.closed else None
        dispute.overdue = bool(due and due < now)
        dispute.due_soon = bool(due and now <= due <= now + timedelta(days=DEADLINE_SOON_DAYS))
    return disputes


@login_required
@require_GET
def payouts(request):
    page = Paginator(selectors.payouts(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/payments/payouts.html", {"page": page})


@login_required
@require_GET
def payout(request, pk):
    found = selectors.payout_get(request.user, pk)
    if found is None:
        raise Http404("No such payout")
    return render(request, "web/payments/payout.html", {
        "payout": found, "name": processor_name(found.account.connection.provider),
        "rows": list(selectors.payout_contents(found)), "totals": selectors.payout_totals(found)})


@login_required
@require_GET
def transactions(request, pk):
    account = selectors.processor_accounts(request.user).filter(pk=pk).first()
    if account is None:
        raise Http404("No such balance")
    kind = request.GET.get("type", "")
    if kind and kind not in BalanceTransactionType.values:
        kind = ""
    rows = selectors.balance_transactions(request.user, account=account, type=kind)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/payments/transactions.html", {
        "account": account, "page": page, "kind": kind, "kinds": BalanceTransactionType.choices})


@login_required
@require_GET
def disputes(request):
    return render(request, "web/payments/disputes.html",
                  {"disputes": _with_deadlines(list(selectors.disputes(request.user)))})


@login_required
@require_POST
def connect(request, slug):
    """Start a redirect-based connect (Stripe Connect OAuth): to the processor's own page."""
    provider = next((p for p in _processors() if p.slug == slug and p.auth_type != AuthType.API_KEY), None)
    if provider is None:
        raise Http404("No such processor")
    if wait := _throttle_wait(request, ConnectionCreateThrottle):
        messages.error(request, f"You have started a lot of connections recently. Try again in {wait // 60 + 1} "
                                "minutes.")
        return redirect("web:payments")
    try:
        step = flow_for(provider).start(user=request.user, provider=provider, data={})
    except ConnectError as exc:
        messages.error(request, exc.message)
        return redirect("web:payments")
    return HttpResponseRedirect(step.url)


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def connect_key(request, slug):
    provider = _provider(slug, AuthType.API_KEY)
    form = CredentialsForm(request.POST if request.method == "POST" else None, provider=provider)
    status = 200
    if request.method == "POST":
        connection, status = api_key_connect_submit(request, provider, form)
        if connection is not None:
            messages.success(request, f"Connected {provider.name}. Reading your balance, payouts and disputes now.")
            return redirect(reverse("web:payments") + f"#connection-{connection.pk}")
    return render(request, "web/payments/connect_key.html",
                  {"provider": provider, "logo_url": provider_logo(provider), "form": form}, status=status)


@login_required
@require_POST
def sync(request, pk):
    sync_now_message(request, _connection(request, pk))
    return redirect("web:payments")


@login_required
@require_POST
def disconnect(request, pk):
    connection = _connection(request, pk)
    connection_revoke(connection, actor=request.user)
    messages.success(request, f"Disconnected {processor_name(connection.provider)}. Its history stays here.")
    return redirect("web:payments")
