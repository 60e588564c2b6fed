"""Forms of the bank statement import pages: validation only (web/views_bank_imports.py)."""

from __future__ import annotations

from django import forms

from open_banking.services.statement_imports import importable_accounts
from open_banking.statements import FORMATS

DATE_ORDER_CHOICES = [("auto", "Work it out from the file"), ("dmy", "Day first: 03/04/2024 is 3 April (UK)"),
                      ("mdy", "Month first: 04/03/2024 is 3 April (US)"), ("ymd", "Year first: 2024-04-03")]
NEW_ACCOUNT = ""


class BankStatementUploadForm(forms.Form):
    file = forms.FileField(label="Statement file", help_text="CSV, OFX / QFX, QIF or CAMT.053 XML, up to 5 MB.")
    bank = forms.CharField(label="Bank", max_length=100,
                           help_text="Its CSV columns are remembered under this name for next time.")
    account = forms.ChoiceField(label="Import into", required=False,
                                help_text="Pick a connected account to fill in history it lacks: payments your bank "
                                          "already shared are not added twice.")
    account_name = forms.CharField(label="Account name (new account)", max_length=100, required=False)
    format = forms.ChoiceField(label="Format", required=False,
                               choices=[("", "Work it out from the file"),
                                        *[(slug, f.name) for slug, f in FORMATS.items()]])
    date_order = forms.ChoiceField(label="Dates", choices=DATE_ORDER_CHOICES, initial="auto", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(NEW_ACCOUNT, "A new account from this file"), *[
            (str(a.pk), f"{a.connection.institution_name or a.connection.provider}: {a.name}")
            for a in importable_accounts(user)]]


class ColumnMappingForm(forms.Form):
    """One select per role, offering the file's own headers."""

    date = forms.ChoiceField(label="Date", required=True)
    description = forms.ChoiceField(label="Description", required=True)
    amount = forms.ChoiceField(label="Amount (signed)", required=False,
                               help_text="Or leave empty and choose money out and money in.")
    debit = forms.ChoiceField(label="Money out (debit)", required=False)
    credit = forms.ChoiceField(label="Money in (credit)", required=False)
    balance = forms.ChoiceField(label="Balance", required=False)
    value_date = forms.ChoiceField(label="Value date", required=False)
    date_order = forms.ChoiceField(label="Dates", choices=DATE_ORDER_CHOICES[1:], initial="dmy")
    decimal_comma = forms.BooleanField(label="Decimal comma (1.234,56)", required=False)

    ROLE_FIELDS = ("date", "description", "amount", "debit", "credit", "balance", "value_date")

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *[(h, h) for h in headers if h]]
        for name in self.ROLE_FIELDS:
            self.fields[name].choices = choices

    def clean(self):
        data = super().clean()
        if not data.get("amount") and not (data.get("debit") or data.get("credit")):
            raise forms.ValidationError("Choose the amount column, or the money out and money in columns.")
        return data


class DateOrderForm(forms.Form):
    date_order = forms.ChoiceField(label="Dates", choices=DATE_ORDER_CHOICES)
