"""Importing bank statement files on the web: upload -> (a CSV's columns) -> preview with every
row error and each row's state -> confirm. Thin: the forms validate, open_banking's
statement_imports service does the work (the same one the API uses)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations_core.api.throttles import StatementImportThrottle
from integrations_core.models import StatementImport, StatementImportStatus
from integrations_core.services.statements import StatementError, statement_options
from open_banking.services import statement_imports as imports
from open_banking.statements import FORMATS

from .forms_bank_imports import BankStatementUploadForm, ColumnMappingForm, DateOrderForm
from .views import _throttle_wait

ROWS_SHOWN = 500  # a year's export can hold thousands; the counts above the table cover them all


def _upload_page(request, form, status=200):
    return render(request, "web/bank_imports/upload.html",
                  {"form": form, "mappings": imports.mapping_list(request.user),
                   "available": imports.bank_file_provider() is not None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bank_import_upload(request):
    if request.method == "GET":
        return _upload_page(request, BankStatementUploadForm(user=request.user))
    form = BankStatementUploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    if wait := _throttle_wait(request, StatementImportThrottle):
        form.add_error(None, f"You have uploaded a lot of files recently. Try again in {wait // 60 + 1} minutes.")
        return _upload_page(request, form, status=429)
    data = form.cleaned_data
    account = imports.importable_account_get(request.user, data["account"]) if data["account"] else None
    upload = data["file"]
    try:
        preview = imports.bank_statement_file_preview(
            request.user, file=upload, bank=data["bank"], account=account,
            account_name=data["account_name"], date_order=data["date_order"] or "auto", file_format=data["format"])
    except StatementError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _upload_page(request, form, status=exc.status if 400 <= exc.status < 500 else 400)
    return redirect("web:bank-import-preview", pk=preview.pk)


def _mine(request, pk) -> StatementImport:
    provider = imports.bank_file_provider()
    return get_object_or_404(StatementImport, pk=pk, user=request.user, provider=provider.slug if provider else "-")


def _preview_page(request, statement_import, *, mapping_form=None, status=200):
    options = statement_options(statement_import)
    rows = imports.bank_statement_rows(statement_import)
    is_csv = options.get("format") == "csv" and statement_import.status != StatementImportStatus.IMPORTED
    if mapping_form is None and is_csv and options.get("headers"):
        mapping_form = ColumnMappingForm(headers=options["headers"], initial={
            **options.get("mapping", {}), "date_order": options.get("mapping", {}).get("date_order", "dmy")})
    date_form = None
    if options.get("format") == "qif" and statement_import.status != StatementImportStatus.IMPORTED:
        date_form = DateOrderForm(initial={"date_order": options.get("date_order") or "auto"})
    account = None
    if options.get("account"):
        account = imports.importable_accounts(request.user).filter(pk=options["account"]).first()
    return render(request, "web/bank_imports/preview.html", {
        "si": statement_import, "options": options, "rows": rows[:ROWS_SHOWN], "rows_total": len(rows),
        "rows_hidden": max(0, len(rows) - ROWS_SHOWN), "counts": imports.preview_summary(rows),
        "format_name": FORMATS[options["format"]].name if options.get("format") in FORMATS else "",
        "mapping_form": mapping_form if is_csv else None, "date_form": date_form, "account": account,
        "can_confirm": statement_import.status == StatementImportStatus.PREVIEWED and not statement_import.errors,
    }, status=status)


@login_required
@require_GET
def bank_import_preview(request, pk):
    return _preview_page(request, _mine(request, pk))


@login_required
@require_POST
def bank_import_mapping(request, pk):
    statement_import = _mine(request, pk)
    options = statement_options(statement_import)
    if "date_order" in request.POST and "date" not in request.POST:  # the QIF date-order form
        form = DateOrderForm(request.POST)
        if not form.is_valid():
            return _preview_page(request, statement_import, status=400)
        changes = {"date_order": form.cleaned_data["date_order"]}
    else:
        form = ColumnMappingForm(request.POST, headers=options.get("headers", []))
        if not form.is_valid():
            return _preview_page(request, statement_import, mapping_form=form, status=400)
        changes = {"mapping": {k: v for k, v in form.cleaned_data.items() if v not in ("", None, False)}}
    try:
        fresh = imports.bank_statement_remap(statement_import, **changes)
    except StatementError as exc:
        messages.error(request, exc.message)
        return redirect("web:bank-import-upload")
    return redirect("web:bank-import-preview", pk=fresh.pk)


@login_required
@require_POST
def bank_import_confirm(request, pk):
    statement_import = _mine(request, pk)
    try:
        imported = imports.bank_statement_confirm(statement_import)
    except StatementError as exc:
        if exc.code == "already_imported":
            messages.info(request, "This file has already been imported: nothing changed.")
            return redirect("web:accounts")
        messages.error(request, exc.message)
        return redirect("web:bank-import-preview", pk=statement_import.pk)
    messages.success(request, f"Imported {imported.filename}: {imported.added} new, {imported.unchanged} "
                              "already here.")
    return redirect("web:bank-import-preview", pk=imported.pk)


@login_required
@require_POST
def bank_import_cancel(request, pk):
    statement_import = _mine(request, pk)
    if statement_import.status != StatementImportStatus.IMPORTED:
        statement_import.delete()
    messages.info(request, "Cancelled: nothing was imported.")
    return redirect("web:bank-import-upload")


@login_required
@require_POST
def bank_import_mapping_delete(request, pk):
    mapping = get_object_or_404(imports.mapping_list(request.user), pk=pk)
    mapping.delete()
    messages.info(request, f"Forgot the CSV columns for {mapping.bank}: the next file from it gets a fresh guess.")
    return redirect("web:bank-import-upload")
