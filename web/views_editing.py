"""The person's own money, editable (issue 18 §2): a transaction's notes, tags, hiding and split;
their own categories; budget settings (payday, total, pending); rules; an account's own page and
manual accounts' balance, transactions and deletion.

Thin, like web/views.py: forms validate, the families' services write, selectors scope every
lookup to the person (anyone else's id is a 404)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from open_banking.models import MANUAL_PROVIDER, BankAccountType
from open_banking.selectors import bank_account_get, bank_transaction_list
from open_banking.services import manual as manual_services
from transactions.models import CategoryRule, CustomCategory
from transactions.selectors.transactions import bank_transaction_get_for_user, bank_transactions_for_user
from transactions.services.budgets import (
    budget_period,
    budget_settings_get,
    budget_settings_update,
    budget_summary,
    period_containing,
)
from transactions.services.editing import (
    EditError,
    custom_category_create,
    custom_category_delete,
    transaction_details_get,
    transaction_edit,
    transaction_split,
    transaction_unsplit,
)
from transactions.services.rules import rule_apply, rule_create, rule_preview
from transactions.user_taxonomy import user_taxonomy

from . import selectors
from .forms_editing import (
    BudgetSettingsForm,
    CustomCategoryForm,
    ManualBalanceForm,
    ManualTransactionForm,
    RuleForm,
    SplitForm,
    TransactionDetailsForm,
)
from .presenters import connection_card

ACCOUNT_TRANSACTIONS_SHOWN = 50
HISTORY_DAYS = 90
PREVIEW_SHOWN = 20


def _errors_into(form, exc: EditError) -> None:
    for field, problems in exc.errors.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


# --- one transaction --------------------------------------------------------------------------
def _transaction_page(request, tx, *, details_form=None, split_form=None, status=200):
    details = transaction_details_get(tx)
    splits = list(tx.splits.all())
    if details_form is None:
        details_form = TransactionDetailsForm(initial={
            "notes": tx.notes, "tags": ", ".join(details.tags), "hidden": details.hidden,
            "excluded_from_budgets": details.excluded_from_budgets})
    if split_form is None:
        initial = {}
        for i, part in enumerate(splits):
            initial[f"category_{i}"] = part.category
            initial[f"amount_{i}"] = f"{part.amount.normalize():f}"
        split_form = SplitForm(initial=initial, user=request.user, rows=max(len(splits), 2) + 2)
    tax = user_taxonomy(request.user)
    return render(request, "web/editing/transaction.html", {
        "tx": tx, "details": details, "details_form": details_form, "split_form": split_form,
        "splits": [{"label": tax.path_label(p.category), "amount": p.amount} for p in splits],
        "category_label": tax.path_label(tx.category) if tx.category else "Not categorised",
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def transaction_page(request, pk):
    tx = bank_transaction_get_for_user(request.user, pk)
    if request.method == "GET":
        return _transaction_page(request, tx)
    action = request.POST.get("action", "details")
    if action == "unsplit":
        transaction_unsplit(tx)
        messages.success(request, "The split is removed: the payment counts as one again.")
        return redirect("web:transaction-edit", pk=tx.pk)
    if action == "split":
        form = SplitForm(request.POST, user=request.user, rows=int(request.POST.get("rows") or 4))
        if form.is_valid():
            try:
                transaction_split(user=request.user, tx=tx, parts=form.parts())
            except EditError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, "Split saved: budgets and spending count each part in its category.")
                return redirect("web:transaction-edit", pk=tx.pk)
        return _transaction_page(request, tx, split_form=form, status=400)
    form = TransactionDetailsForm(request.POST)
    if form.is_valid():
        try:
            transaction_edit(tx, **form.cleaned_data)
        except EditError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("web:transaction-edit", pk=tx.pk)
    return _transaction_page(request, tx, details_form=form, status=400)


# --- categories -------------------------------------------------------------------------------
def _categories_page(request, form, status=200):
    tax = user_taxonomy(request.user)
    own = CustomCategory.objects.filter(user=request.user)
    return render(request, "web/editing/categories.html", {
        "form": form, "categories": [{"obj": c, "path": tax.path_label(c.code),
                                      "parent": tax.path_label(c.parent)} for c in own],
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def categories_page(request):
    if request.method == "GET":
        return _categories_page(request, CustomCategoryForm(user=request.user))
    form = CustomCategoryForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            category = custom_category_create(user=request.user, **form.cleaned_data)
        except EditError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, f"Added {category.label}. Choose it for a transaction, a split or a budget.")
            return redirect("web:categories")
    return _categories_page(request, form, status=400)


@login_required
@require_POST
def category_delete(request, pk):
    category = get_object_or_404(CustomCategory, pk=pk, user=request.user)
    moved = custom_category_delete(category, transactions=bank_transactions_for_user(request.user))
    messages.success(request, f"Removed {category.label}; {moved} transaction{'s' if moved != 1 else ''} moved "
                              "back to the category above it.")
    return redirect("web:categories")


# --- budgets ----------------------------------------------------------------------------------
def current_period_month(user):
    """The month whose budget period today falls in (the calendar month without a payday)."""
    return period_containing(timezone.localdate(), budget_settings_get(user).payday)[0].replace(day=1)


def budget_page_extras(user, month) -> dict:
    """What the budgets page adds for payday periods, the total budget and pending payments."""
    options = budget_settings_get(user)
    start, end = budget_period(month, options.payday)
    summary = budget_summary(user=user, month=month)
    pending = sum((row["pending"] for row in summary["budgets"]), Decimal("0"))
    return {
        "period_start": start, "period_end": end, "budget_options": options, "total_budget": summary["total"],
        "pending_total": pending, "pending_counted": options.pending == "counted",
        "settings_form": BudgetSettingsForm(initial={"payday": options.payday, "total_monthly": options.total_monthly,
                                                     "pending": options.pending}),
    }


@login_required
@require_POST
def budget_settings(request):
    form = BudgetSettingsForm(request.POST)
    if not form.is_valid():
        for field, problems in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else 'Settings'}: "
                                    f"{' '.join(problems)}")
        return redirect(reverse("web:budgets") + f"?month={request.POST.get('month', '')}")
    budget_settings_update(request.user, currency=selectors_main_currency(request.user), **form.cleaned_data)
    messages.success(request, "Budget settings saved.")
    return redirect(reverse("web:budgets") + f"?month={request.POST.get('month', '')}")


def selectors_main_currency(user) -> str:
    from transactions.selectors.spending import user_main_currency

    return user_main_currency(user)


# --- rules ------------------------------------------------------------------------------------
def _rules_page(request, form, *, preview=None, status=200):
    tax = user_taxonomy(request.user)
    rules = CategoryRule.objects.filter(user=request.user)
    return render(request, "web/editing/rules.html", {
        "form": form, "rules": [{"obj": r, "label": tax.path_label(r.category)} for r in rules],
        "preview": preview, "preview_shown": PREVIEW_SHOWN,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rules_page(request):
    if request.method == "GET":
        return _rules_page(request, RuleForm(user=request.user))
    form = RuleForm(request.POST, user=request.user)
    if not form.is_valid():
        return _rules_page(request, form, status=400)
    values = {k: v for k, v in form.cleaned_data.items()}
    if request.POST.get("action") == "preview":
        spec = CategoryRule(user=request.user, **values).as_spec()
        tax = user_taxonomy(request.user)
        matches = rule_preview(user=request.user, spec=spec)
        preview = {"count": len(matches), "rows": [
            {"date": m.row.get("booked_date"), "description": m.row["description"], "amount": m.row["amount"],
             "currency": m.row["currency"], "now": tax.path_label(m.row["category"]) if m.row["category"] else
             "Not categorised", "new": tax.path_label(m.new_category)} for m in matches[:PREVIEW_SHOWN]]}
        return _rules_page(request, form, preview=preview)
    rule = rule_create(user=request.user, **values)
    changed = rule_apply(rule) if request.POST.get("apply_now") else None
    message = f"Rule “{rule.name}” saved."
    if changed is not None:
        message += f" {changed} past transaction{'s' if changed != 1 else ''} changed."
    messages.success(request, message)
    return redirect("web:rules")


@login_required
@require_POST
def rule_apply_page(request, pk):
    rule = get_object_or_404(CategoryRule, pk=pk, user=request.user)
    changed = rule_apply(rule)
    messages.success(request, f"Applied “{rule.name}”: {changed} transaction{'s' if changed != 1 else ''} changed.")
    return redirect("web:rules")


@login_required
@require_POST
def rule_delete_page(request, pk):
    rule = get_object_or_404(CategoryRule, pk=pk, user=request.user)
    rule.delete()
    messages.success(request, f"Removed the rule “{rule.name}”. Transactions it categorised keep their category.")
    return redirect("web:rules")


# --- one account ------------------------------------------------------------------------------
def history_chart(history: dict, *, width: int = 600, height: int = 160) -> dict | None:
    """An inline SVG line (server-drawn, no script): points, the lowest and highest balance."""
    if len(history) < 1:
        return None
    days = sorted(history)
    values = [history[d] for d in days]
    low, high = min(values), max(values)
    span = (high - low) or Decimal("1")
    count = max(len(days) - 1, 1)
    points = " ".join(f"{i * width / count:.1f},{float(height - 8 - (v - low) / span * (height - 16)):.1f}"
                      for i, v in enumerate(values))
    return {"points": points, "width": width, "height": height, "low": low, "high": high, "first": days[0],
            "last": days[-1]}


def _account_page(request, account, *, balance_form=None, tx_form=None, status=200):
    history = selectors.balance_history(account, days=HISTORY_DAYS)
    snapshots = list(account.balance_snapshots.order_by("-date")[:30])
    is_manual = account.connection.provider == MANUAL_PROVIDER
    return render(request, "web/editing/account.html", {
        "account": account, "is_manual": is_manual, "type_label": dict(BankAccountType.choices).get(account.type,
                                                                                                    account.type),
        "card": None if is_manual else connection_card(account.connection),
        "chart": history_chart(history), "snapshots": snapshots,
        "transactions": bank_transaction_list(request.user, account=account)
        .order_by("-booked_date", "-created_at")[:ACCOUNT_TRANSACTIONS_SHOWN],
        "balance_form": balance_form or ManualBalanceForm(initial={"balance": abs(account.current_balance or 0)
                                                          if account.type in ("loan", "mortgage", "credit_card")
                                                          else account.current_balance}),
        "tx_form": tx_form or ManualTransactionForm(user=request.user),
        "owed": account.type in ("loan", "mortgage", "credit_card"),
    }, status=status)


@login_required
@require_GET
def account_page(request, pk):
    return _account_page(request, bank_account_get(request.user, pk))


@login_required
@require_POST
def manual_balance(request, pk):
    account = selectors.manual_account_get(request.user, pk)
    form = ManualBalanceForm(request.POST)
    if not form.is_valid():
        return _account_page(request, account, balance_form=form, status=400)
    manual_services.manual_account_balance_update(account, balance=form.cleaned_data["balance"])
    messages.success(request, f"Balance of {account.name} updated; the old one stays in its history.")
    return redirect("web:account", pk=account.pk)


@login_required
@require_POST
def manual_transaction_new(request, pk):
    account = selectors.manual_account_get(request.user, pk)
    form = ManualTransactionForm(request.POST, user=request.user)
    if not form.is_valid():
        return _account_page(request, account, tx_form=form, status=400)
    manual_services.manual_transaction_create(account, **form.cleaned_data)
    messages.success(request, "Transaction added; the balance moved with it.")
    return redirect("web:account", pk=account.pk)


