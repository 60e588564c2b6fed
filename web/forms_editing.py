"""Forms for the editing pages (issue 18 §2): validation only; writes go through the families'
services (transactions/services/editing.py, open_banking/services/manual.py)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations_core.models import MONEY
from transactions.models import CategoryRule, PendingPayments
from transactions.user_taxonomy import user_taxonomy

from .forms import category_choices

SPLIT_ROWS = 4


class TransactionDetailsForm(forms.Form):
    notes = forms.CharField(label="Note", required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))
    tags = forms.CharField(label="Tags", required=False, max_length=500,
                           help_text="Separate tags with commas, e.g. holiday, work.")
    hidden = forms.BooleanField(label="Hide this transaction (not listed, not counted)", required=False)
    excluded_from_budgets = forms.BooleanField(label="Leave out of budgets and spending", required=False)


class SplitForm(forms.Form):
    """Up to SPLIT_ROWS parts; empty rows are ignored. The sum is checked by the service, which
    reports it as a form error."""

    def __init__(self, *args, user=None, rows: int = SPLIT_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Choose a category"), *category_choices(user=user)]
        self.rows = rows
        for i in range(rows):
            self.fields[f"category_{i}"] = forms.ChoiceField(label=f"Part {i + 1} category", required=False,
                                                             choices=choices)
            self.fields[f"amount_{i}"] = forms.CharField(label=f"Part {i + 1} amount", required=False, max_length=30,
                                                         widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def parts(self) -> list[dict]:
        out = []
        for i in range(self.rows):
            category, amount = self.cleaned_data.get(f"category_{i}"), self.cleaned_data.get(f"amount_{i}")
            if category or (amount or "").strip():
                out.append({"category": category, "amount": (amount or "").strip()})
        return out

    def row_pairs(self):
        return [(self[f"category_{i}"], self[f"amount_{i}"]) for i in range(self.rows)]


class CustomCategoryForm(forms.Form):
    parent = forms.ChoiceField(label="Under")
    label = forms.CharField(label="Name", max_length=100)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = category_choices(user=user)


class BudgetSettingsForm(forms.Form):
    payday = forms.IntegerField(label="My budget month starts on day", min_value=1, max_value=31,
                                help_text="Your payday: paid on the 25th, budgets run 25th to 24th. A day a month "
                                          "does not have (the 31st in February) is that month's last day.")
    total_monthly = forms.DecimalField(label="Total monthly budget", required=False, min_value=Decimal("0"),
                                       max_digits=MONEY["max_digits"], decimal_places=MONEY["decimal_places"],
                                       help_text="A cap on all spending in a budget month. Leave empty for none.")
    pending = forms.ChoiceField(label="Pending card payments", choices=PendingPayments.choices)


class ManualBalanceForm(forms.Form):
    balance = forms.DecimalField(label="New balance", max_digits=MONEY["max_digits"],
                                 decimal_places=MONEY["decimal_places"])


class ManualTransactionForm(forms.Form):
    booked_date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label="Description", max_length=500)
    amount = forms.DecimalField(label="Amount", max_digits=MONEY["max_digits"], decimal_places=MONEY["decimal_places"],
                                help_text="Negative for money out, e.g. -12.50.")
    category = forms.ChoiceField(label="Category", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].choices = [("", "Not categorised"), *category_choices(user=user)]
        self.fields["booked_date"].initial = timezone.localdate()

    def clean_amount(self):
        value = self.cleaned_data["amount"]
        if value == 0:
            raise ValidationError("Enter an amount that is not zero.")
        return value

    def clean_category(self):
        value = self.cleaned_data.get("category") or ""
        if value and not user_taxonomy(self.user).is_valid(value):
            raise ValidationError("Choose a category from the list.")
        return value


class RuleForm(forms.ModelForm):
    category = forms.ChoiceField(label="Put matching transactions in")

    class Meta:
        model = CategoryRule
        fields = ["name", "pattern", "match_field", "match_type", "direction", "amount_min", "amount_max", "category",
                  "priority"]
        labels = {"pattern": "Text to match", "match_field": "Look in", "match_type": "How",
                  "amount_min": "Smallest amount", "amount_max": "Largest amount"}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].choices = [("", "Choose a category"), *category_choices(user=user)]
        self.fields["pattern"].required = True

    def clean_category(self):
        value = self.cleaned_data.get("category") or ""
        if not user_taxonomy(self.user).is_valid(value):
            raise ValidationError("Choose a category from the list.")
        return value

    def clean(self):
        data = super().clean()
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", "The largest amount is smaller than the smallest.")
        if data.get("match_type") == "regex" and data.get("pattern"):
            from transactions.categoriser.rule_regex import RulePatternError, compile_rule_pattern

            try:
                compile_rule_pattern(data["pattern"])
            except RulePatternError as exc:
                self.add_error("pattern", str(exc))
        return data
