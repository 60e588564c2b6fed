"""Operators' console for the register (entries, upload-an-import, refresh from the feed) and
for information requests (tracking only: the person's details are never shown here)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ..info_requests.models import PensionInformationRequest
from .loader import RegisterInvalid, register_parse
from .models import PensionScheme
from .services import register_refresh, register_upsert


class RegisterUploadForm(forms.Form):
    file = forms.FileField(help_text="A register JSON file in the schema of pensions/register/data/register.schema.json.")
    dry_run = forms.BooleanField(required=False, help_text="Check and report what would change; write nothing.")


@admin.register(PensionScheme)
class PensionSchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "administrator", "feed", "active", "updated_at")
    list_filter = ("kind", "feed", "active")
    search_fields = ("name", "register_id", "search_text", "administrator")
    readonly_fields = ("search_text", "created_at", "updated_at")
    change_list_template = "admin/pensions/pensionscheme/change_list.html"

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="pensions_pensionscheme_import"),
                path("refresh/", self.admin_site.admin_view(self.refresh_view),
                     name="pensions_pensionscheme_refresh"),
                *super().get_urls()]

    def import_view(self, request):
        if not self.has_change_permission(request):
            return redirect("admin:index")
        report = errors = None
        form = RegisterUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                entries = register_parse(form.cleaned_data["file"].read())
            except RegisterInvalid as exc:
                errors = exc.errors
            else:
                report = register_upsert(entries, feed="upload", dry_run=form.cleaned_data["dry_run"])
                self.message_user(request, f"Register import: {report.summary()}.", messages.SUCCESS)
        return TemplateResponse(request, "admin/pensions/pensionscheme/import.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "report": report,
            "errors": errors, "title": "Import a pension register file"})

    def refresh_view(self, request):
        if request.method != "POST" or not self.has_change_permission(request):
            return redirect("admin:pensions_pensionscheme_changelist")
        try:
            report = register_refresh()
        except (RegisterInvalid, LookupError) as exc:
            self.message_user(request, f"Register refresh failed: {exc}", messages.ERROR)
        else:
            self.message_user(request, f"Register refreshed from the feed: {report.summary()}.", messages.SUCCESS)
        return redirect(reverse("admin:pensions_pensionscheme_changelist"))


@admin.register(PensionInformationRequest)
class PensionInformationRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "scheme", "status", "sent_on", "reply_due_on", "answered_on", "reminded_at")
    list_filter = ("status",)
    search_fields = ("scheme__name", "user__email")
    # person_details is encrypted personal data: not on any admin page.
    exclude = ("person_details",)
    readonly_fields = ("user", "scheme", "created_at", "updated_at", "reminded_at")
