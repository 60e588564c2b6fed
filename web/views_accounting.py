"""The business's books: organisations per connection (Xero tenants, QuickBooks realms) with
their sync state, the chart of accounts, the category mapping editor (suggestions beside each
unmapped category), the push page (where to, push, each item's result, conflicts to settle) and
outstanding invoices and bills. Connecting goes through the core's generic connect flows. Thin:
accounting selectors find everything through the person's own rows (anyone else's id is a 404),
services act."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounting import selectors
from accounting.models import PushStatus, PushTarget
from accounting.services.mapping import (
    MappingError,
    bank_accounts,
    mappable_accounts,
    mapping_rows,
    mapping_set,
    mapping_suggestions_accept,
)
from accounting.services.push import PushError, push_run, pushed_item_resolve
from accounting.services.targets import push_target_set
from integrations_core.api.throttles import ConnectionCreateThrottle
from integrations_core.connect.base import ConnectError
from integrations_core.connect.registry import flow_for
from integrations_core.providers.base import Family
from integrations_core.selectors import providers_enabled
from integrations_core.services.connections import connection_revoke
from transactions.selectors.transactions import account_model

from .connect_views import sync_now_message
from .portfolio import provider_logo
from .views import _throttle_wait


def _books_providers():
    return [p for p in providers_enabled() if p.family == Family.ACCOUNTING]


def _organisation(request, pk):
    return selectors.organisation_get(request.user, pk)


@login_required
@require_GET
def organisations(request):
    connections = list(selectors.books_connections(request.user).exclude(status="revoked"))
    orgs = list(selectors.organisations(request.user))
    names = {p.slug: p.name for p in _books_providers()}
    for connection in connections:
        connection.display_name = names.get(connection.provider, connection.provider)
        connection.organisations = [o for o in orgs if o.connection_id == connection.pk]
    outstanding = list(selectors.invoices(request.user, outstanding=True)[:5])
    return render(request, "web/accounting/organisations.html", {
        "connections": connections, "outstanding": outstanding, "today": timezone.localdate(),
        "providers": [{"provider": p, "logo": provider_logo(p)} for p in _books_providers()],
    })


@login_required
@require_POST
def connect(request, slug):
    """Start connecting the books: to the provider's own consent page (Xero: pick organisations)."""
    provider = next((p for p in _books_providers() if p.slug == slug), None)
    if provider is None:
        raise Http404("No such accounting provider")
    if wait := _throttle_wait(request, ConnectionCreateThrottle):
        messages.error(request, f"You have started a lot of connections recently. Try again in {wait // 60 + 1} "
                                "minutes.")
        return redirect("web:accounting")
    try:
        step = flow_for(provider).start(user=request.user, provider=provider, data={})
    except ConnectError as exc:
        messages.error(request, exc.message)
        return redirect("web:accounting")
    return HttpResponseRedirect(step.url)


def _connection(request, pk):
    connection = selectors.books_connections(request.user).filter(pk=pk).first()
    if connection is None:
        raise Http404("No such connection")
    return connection


@login_required
@require_POST
def sync(request, pk):
    sync_now_message(request, _connection(request, pk))
    return redirect("web:accounting")


@login_required
@require_POST
def disconnect(request, pk):
    connection = _connection(request, pk)
    connection_revoke(connection, actor=request.user)
    messages.success(request, "Disconnected. What was read from the books stays here.")
    return redirect("web:accounting")


@login_required
@require_GET
def chart(request, pk):
    organisation = _organisation(request, pk)
    return render(request, "web/accounting/chart.html", {
        "organisation": organisation, "accounts": list(selectors.ledger_accounts(organisation))})


def _used(request, organisation):
    target = PushTarget.objects.filter(organisation=organisation).first()
    return selectors.used_categories(request.user, target.source_accounts.all() if target else None)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request, pk):
    """One select per category; saving sends them all and only changed ones are written."""
    organisation = _organisation(request, pk)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if "accept" in request.POST:
            saved = mapping_suggestions_accept(organisation, user=request.user,
                                               used_categories=_used(request, organisation))
            messages.success(request, f"Saved {saved} suggestion{'s' if saved != 1 else ''}.")
            return redirect("web:accounting-mapping", pk=organisation.pk)
        current = {r.category: r.ledger_account for r in mapping_rows(organisation, user=request.user,
                                                                         used_categories=_used(request, organisation))}
        changed = 0
        for key, value in request.POST.items():
            if not key.startswith("map:"):
                continue
            category = key[4:]
            was = current.get(category)
            if (str(was.pk) if was else "") == value:
                continue
            try:
                mapping_set(organisation, user=request.user, category=category, ledger_account_id=value or None)
                changed += 1
            except MappingError as exc:
                errors[category] = " ".join(sum(exc.errors.values(), []))
        if errors:
            status = 400
            messages.error(request, "Some mappings were not saved: see below.")
        else:
            messages.success(request, f"Saved {changed} change{'s' if changed != 1 else ''}.")
            return redirect("web:accounting-mapping", pk=organisation.pk)
    rows = mapping_rows(organisation, user=request.user, used_categories=_used(request, organisation))
    return render(request, "web/accounting/mapping.html", {
        "organisation": organisation, "rows": rows, "accounts": mappable_accounts(organisation), "errors": errors,
        "suggestions": sum(1 for r in rows if r.ledger_account is None and r.inherited is None and r.suggestion),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def push(request, pk):
    organisation = _organisation(request, pk)
    target = PushTarget.objects.filter(organisation=organisation).select_related("books_bank_account").first()
    errors: dict[str, list[str]] = {}
    status = 200
    run = None
    if request.method == "POST" and request.POST.get("action") == "target":
        try:
            target = push_target_set(organisation, user=request.user,
                                     books_bank_account_id=request.POST.get("books_bank_account"),
                                     source_account_ids=request.POST.getlist("source_accounts"))
            messages.success(request, "Saved where to push.")
            return redirect("web:accounting-push", pk=organisation.pk)
        except MappingError as exc:
            errors, status = exc.errors, 400
    elif request.method == "POST" and request.POST.get("action") == "push":
        try:
            run = push_run(organisation)
        except PushError as exc:
            messages.error(request, str(exc))
            return redirect("web:accounting-push", pk=organisation.pk)
        return redirect(reverse("web:accounting-push", kwargs={"pk": organisation.pk}) + f"?run={run.pk}#results")
    runs = selectors.push_runs(organisation)
    run = runs.filter(pk=request.GET["run"]).first() if _is_uuid(request.GET.get("run", "")) else runs.first()
    return render(request, "web/accounting/push.html", {
        "organisation": organisation, "target": target, "errors": errors, "run": run,
        "books_banks": bank_accounts(organisation),
        "our_accounts": list(account_model().objects.filter(connection__user=request.user, is_active=True)
                             .order_by("name")),
        "chosen": {a.pk for a in target.source_accounts.all()} if target else set(),
        "conflicts": list(selectors.pushed_items(request.user, organisation=organisation,
                                                 status=PushStatus.CONFLICT).order_by("-conflict_at")),
    }, status=status)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@login_required
@require_POST
def resolve(request, pk):
    item = selectors.pushed_item_get(request.user, pk)
    try:
        pushed_item_resolve(item, choice=request.POST.get("choice", ""))
        messages.success(request, "Their edit will be kept: push to apply it." if request.POST.get("choice") == "theirs"
                         else "Ours will be pushed over theirs: push to apply it.")
    except PushError as exc:
        messages.error(request, str(exc))
    return redirect("web:accounting-push", pk=item.organisation_id)


@login_required
@require_GET
def invoices(request):
    rows = list(selectors.invoices(request.user, outstanding=True))
    return render(request, "web/accounting/invoices.html", {
        "invoices": [r for r in rows if r.kind == "invoice"], "bills": [r for r in rows if r.kind == "bill"],
        "today": timezone.localdate()})
