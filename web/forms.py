"""Forms: validation only. Writes go through the families' services (or web.services)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from integrations_core.models import MONEY, TransactionStatus
from open_banking.models import BankAccountType
from transactions.selectors.amounts import AmountQueryError, amount_query
from transactions.taxonomy import categories, codes_under
from transactions.user_taxonomy import SEPARATOR, root_of, user_taxonomy

UNCATEGORISED = "uncategorised"
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
COMMON_CURRENCIES = [("GBP", "GBP (£)"), ("EUR", "EUR (€)"), ("USD", "USD ($)")]


def category_choices(*, primaries_only: bool = False, user=None, kinds: tuple[str, ...] = ()) -> list:
    """The taxonomy in its own order: each primary as an <optgroup> of itself and its detailed
    codes (and, given the person, their own categories under them), or (for filters) the
    primaries alone. `kinds` keeps only primaries of those kinds (budgets: spending)."""
    infos = sorted(categories().values(), key=lambda info: info.sort_order)
    primaries = [info for info in infos if info.is_primary and (not kinds or info.kind in kinds
                                                                  or info.code == "OTHER")]
    if primaries_only:
        return [(info.code, info.label) for info in primaries]
    tax = user_taxonomy(user)
    own = sorted(tax.custom)

    def with_own(code: str, label: str) -> list:
        return [(code, label), *[(c, f"  {tax.path_label(c)}") for c in own if c.rsplit(SEPARATOR, 1)[0] == code]]

    groups = []
    for primary in primaries:
        choices = with_own(primary.code, f"{primary.label} (general)")
        for info in infos:
            if info.primary == primary.code and not info.is_primary:
                choices += with_own(info.code, info.label)
        # Sub-categories of the person's own categories, after their parents.
        for code in own:
            if code.count(SEPARATOR) > 1 and root_of(code) in codes_under(primary.code):
                choices.append((code, f"  {tax.path_label(code)}"))
        groups.append((primary.label, choices))
    return groups


class ConnectForm(forms.Form):
    provider = forms.CharField(max_length=50)
    institution = forms.CharField(max_length=100, required=False)


class InstitutionSearchForm(forms.Form):
    q = forms.CharField(label="Search banks", required=False, max_length=100)
    provider = forms.ChoiceField(label="Connect through", required=False)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Best for each bank (recommended)")] + [
            (p.slug, p.name) for p in providers]


class DisconnectForm(forms.Form):
    delete_data = forms.BooleanField(
        label="Also delete this bank's accounts and transactions from this app", required=False)


class ManualAccountForm(forms.Form):
    name = forms.CharField(label="Account name", max_length=200)
    type = forms.ChoiceField(label="Type", choices=BankAccountType.choices, initial=BankAccountType.OTHER)
    currency = forms.ChoiceField(choices=COMMON_CURRENCIES, initial="GBP")
    balance = forms.DecimalField(max_digits=MONEY["max_digits"], decimal_places=MONEY["decimal_places"],
                                 help_text="For a loan, mortgage or card, what you owe (kept as owed). "
                                           "Otherwise a minus sign for money you owe.")


class TransactionFilterForm(forms.Form):
    account = forms.ChoiceField(label="Account", required=False)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(label="Category", required=False)
    q = forms.CharField(label="Search", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Shop or description"}))
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("", "Any status"), *TransactionStatus.choices])
    amount = forms.CharField(label="Amount", required=False, max_length=50,
                             widget=forms.TextInput(attrs={"placeholder": "61.86, -61.86 or 50..100",
                                                           "inputmode": "decimal"}))
    tag = forms.CharField(label="Tag", required=False, max_length=40)
    hidden = forms.ChoiceField(label="Hidden", required=False, choices=[
        ("", "Leave out hidden"), ("include", "Include hidden"), ("only", "Only hidden")])

    def clean_amount(self) -> str:
        value = self.cleaned_data.get("amount") or ""
        if value.strip():
            try:
                amount_query(value)
            except AmountQueryError as exc:
                raise ValidationError(str(exc)) from None
        return value

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "All accounts"), *[(str(a.pk), a.name) for a in accounts]]
        self.fields["category"].choices = [("", "All categories"), (UNCATEGORISED, "Not categorised"),
                                           *category_choices(primaries_only=True)]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("The start date is after the end date.")
        return data


class RecategoriseForm(forms.Form):
    category = forms.ChoiceField(label="Category")
    apply_to_similar = forms.BooleanField(label="Also change my other transactions from this shop",
                                          required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].choices = category_choices(user=user)

    def clean_category(self) -> str:
        value = self.cleaned_data["category"]
        if not user_taxonomy(self.user).is_valid(value):
            raise ValidationError("Choose a category from the list.")
        return value


class BudgetForm(forms.Form):
    category = forms.ChoiceField(label="Category")
    amount = forms.DecimalField(label="Monthly limit", min_value=Decimal("0"),
                                max_digits=MONEY["max_digits"], decimal_places=MONEY["decimal_places"])
    month = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any spending category: a primary, one of its sub-categories, or the person's own.
        self.fields["category"].choices = [("", "Choose a category"),
                                           *category_choices(user=user, kinds=("spending",))]

    def clean_month(self) -> date:
        return parse_month(self.cleaned_data.get("month") or "")


def parse_month(value: str) -> date:
    """'2026-03' -> 1 March 2026; anything else -> the first of this month."""
    match = MONTH.match(value or "")
    # Years the budgets can reason about (rollover counts months back): 0001-01 was a 500.
    if not match or not 1900 <= int(match.group(1)) <= 2100 or not 1 <= int(match.group(2)) <= 12:
        return timezone.localdate().replace(day=1)
    return date(int(match.group(1)), int(match.group(2)), 1)



# --- portfolio ------------------------------------------------------------------------------
class CredentialsForm(forms.Form):
    """The key form, field by field from the provider's `credential_fields`: secret fields are
    password inputs that never render their value back (after an error the person pastes again),
    choices are a select. Validation of the key itself is the connect flow's (one cheap call)."""

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in provider.credential_fields:
            attrs = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
            if spec.choices:
                field = forms.ChoiceField(choices=[("", "Choose…"), *spec.choices] if not spec.required
                                          else list(spec.choices))
            elif spec.secret:
                field = forms.CharField(widget=forms.PasswordInput(render_value=False, attrs=attrs), strip=True)
            else:
                field = forms.CharField(widget=forms.TextInput(attrs=attrs), strip=True)
            # The shared field template renders help as HTML; a provider's help is plain text.
            field.label, field.help_text, field.required = spec.label, escape(spec.help_text), spec.required
            field.max_length = 500
            self.fields[spec.name] = field

    def credentials(self) -> dict[str, str]:
        return {name: value for name, value in self.cleaned_data.items() if value}

    def add_flow_errors(self, fields: dict[str, list[str]]) -> None:
        """Put a ConnectError's field errors ("credentials.api_key", "credentials") on the form."""
        for name, errors in fields.items():
            target = name.split(".", 1)[1] if name.startswith("credentials.") else None
            for error in errors:
                self.add_error(target if target in self.fields else None, error)


class StatementUploadForm(forms.Form):
    provider = forms.ChoiceField(label="Platform")
    file = forms.FileField(label="Statement file",
                           help_text="The CSV (or JSON, for the activities format) your platform lets you download.")

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Choose your platform"), *[(p.slug, p.name) for p in providers]]


class PortfolioDisconnectForm(forms.Form):
    delete_data = forms.BooleanField(
        label="Also delete this platform's accounts, holdings and trades from this app", required=False)
