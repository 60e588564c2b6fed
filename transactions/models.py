"""Categories, rules, learned corrections, transfer pairs, the trained model, budgets and their
alerts, and detected recurring payments.

Bank transactions themselves live in open_banking; their `category` field holds a taxonomy code
(detailed where known) and the primary is derived from the taxonomy. Anything extra this app needs
per transaction hangs off it here (TransferPair), never as a column on someone else's model.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from integrations_core.models import MONEY, PROVIDER_MONEY, UUIDTimestampedModel, currency_validator


class Category(models.Model):
    """One taxonomy entry, loaded from data/taxonomy.json by a data migration (read-only in use)."""

    code = models.CharField(max_length=80, primary_key=True)
    primary = models.CharField(max_length=40, db_index=True)
    label = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True, default="")
    icon = models.CharField(max_length=50, help_text="A Material Symbols icon name.")
    color = models.CharField(max_length=7)
    kind = models.CharField(max_length=20, help_text="income, transfer, spending, borrowing or other")
    uk_extension = models.BooleanField(default=False)
    export_code = models.CharField(max_length=80, help_text="The Plaid PFC code to export a UK addition as.")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.code} ({self.label})"

    @property
    def is_primary(self) -> bool:
        return self.code == self.primary


class MatchField(models.TextChoices):
    ANY = "any", "Description or merchant"
    DESCRIPTION = "description", "Description"
    MERCHANT = "merchant", "Merchant"


class MatchType(models.TextChoices):
    CONTAINS = "contains", "Contains"
    EQUALS = "equals", "Is exactly"
    STARTS_WITH = "starts_with", "Starts with"
    REGEX = "regex", "Matches regular expression"


class Direction(models.TextChoices):
    ANY = "any", "Money in or out"
    OUT = "out", "Money out"
    IN = "in", "Money in"


class CategoryRule(UUIDTimestampedModel):
    """A user's own rule: every condition that is set must match. Lower priority runs first."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="category_rules")
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=80)
    pattern = models.CharField(max_length=200, blank=True, default="")
    match_field = models.CharField(max_length=20, choices=MatchField.choices, default=MatchField.ANY)
    match_type = models.CharField(max_length=20, choices=MatchType.choices, default=MatchType.CONTAINS)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.ANY)
    amount_min = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)],
                                     help_text="Lower bound on the amount, ignoring its sign.")
    amount_max = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    account = models.ForeignKey(settings.CATEGORISED_ACCOUNT_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    priority = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "created_at"]

    def __str__(self) -> str:
        return f"{self.name} -> {self.category}"

    def as_spec(self):
        from .categoriser.pipeline import RuleSpec

        return RuleSpec(id=self.pk, name=self.name, category=self.category, pattern=self.pattern,
                        match_field=self.match_field, match_type=self.match_type, direction=self.direction,
                        amount_min=self.amount_min, amount_max=self.amount_max, account_id=self.account_id,
                        priority=self.priority)


class MerchantCorrection(models.Model):
    """What the user taught us: transactions from this merchant belong in this category."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_corrections")
    merchant_key = models.CharField(max_length=200)
    category = models.CharField(max_length=80)
    times = models.PositiveIntegerField(default=1, help_text="How often the user has made this correction.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["merchant_key"]
        constraints = [models.UniqueConstraint(fields=["user", "merchant_key"], name="tx_correction_one_per_merchant")]

    def __str__(self) -> str:
        return f"{self.merchant_key} -> {self.category}"


class TransferPair(models.Model):
    """Two legs of one movement between the user's own accounts: both are transfers, neither is
    spending nor income."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transfer_pairs")
    outflow = models.OneToOneField(settings.CATEGORISED_TRANSACTION_MODEL, on_delete=models.CASCADE,
                                   related_name="transfer_as_outflow")
    inflow = models.OneToOneField(settings.CATEGORISED_TRANSACTION_MODEL, on_delete=models.CASCADE,
                                  related_name="transfer_as_inflow")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"transfer {self.outflow_id} -> {self.inflow_id}"


class CategoriserModel(models.Model):
    """A trained statistical model (step 6), stored as an .npz of plain arrays (never a pickle)."""

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    trained_on = models.PositiveIntegerField()
    classes = models.PositiveIntegerField()
    holdout_accuracy = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    blob = models.BinaryField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"model {self.pk} ({self.trained_on} rows, {self.classes} classes)"


class Budget(UUIDTimestampedModel):
    """A monthly cap on one category (a primary covers all its detailed codes)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budgets")
    category = models.CharField(max_length=80)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)], help_text="The monthly cap.")
    currency = models.CharField(max_length=3, default="GBP", validators=[currency_validator])
    rollover = models.BooleanField(default=False, help_text="Carry what is left (or overspent) into next month.")
    start_month = models.DateField(help_text="First day of the first month the budget applies to.")

    class Meta:
        ordering = ["category"]
        constraints = [models.UniqueConstraint(fields=["user", "category", "currency"], name="tx_budget_one_per_category")]

    def __str__(self) -> str:
        return f"{self.category} {self.amount} {self.currency}/month"


class BudgetAlert(UUIDTimestampedModel):
    """A stored notification: a budget crossed 80% or 100% in a month. One per threshold per month."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budget_alerts")
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="alerts")
    month = models.DateField()
    threshold = models.PositiveSmallIntegerField(help_text="80 or 100 (percent of the cap).")
    spent = models.DecimalField(**MONEY)
    cap = models.DecimalField(**MONEY)
    message = models.CharField(max_length=300)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["budget", "month", "threshold"], name="tx_alert_once")]

    def __str__(self) -> str:
        return self.message


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    FOUR_WEEKLY = "four_weekly", "Every four weeks"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    YEARLY = "yearly", "Yearly"


class RecurringKind(models.TextChoices):
    SUBSCRIPTION = "subscription", "Subscription"
    BILL = "bill", "Bill"
    INCOME = "income", "Income"
    TRANSFER = "transfer", "Transfer"
    OTHER = "other", "Other"


class RecurringPayment(UUIDTimestampedModel):
    """A detected series: same merchant, similar amount, regular interval."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recurring_payments")
    account = models.ForeignKey(settings.CATEGORISED_ACCOUNT_MODEL, on_delete=models.CASCADE, related_name="+")
    merchant_key = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=80, blank=True, default="")
    kind = models.CharField(max_length=20, choices=RecurringKind.choices, default=RecurringKind.OTHER)
    direction = models.CharField(max_length=3, choices=[("out", "Money out"), ("in", "Money in")])
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    currency = models.CharField(max_length=3)
    typical_amount = models.DecimalField(**MONEY, help_text="Signed, like the transactions.")
    last_amount = models.DecimalField(**MONEY)
    last_date = models.DateField()
    next_expected_date = models.DateField(db_index=True)
    next_expected_amount = models.DecimalField(**MONEY)
    occurrences = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["next_expected_date"]
        constraints = [models.UniqueConstraint(fields=["user", "account", "merchant_key", "direction"],
                                               name="tx_recurring_one_per_series")]

    def __str__(self) -> str:
        return f"{self.name} {self.frequency} {self.typical_amount}"



# --- the person's own edits (issue 18 §2) ---------------------------------------------------
class CustomCategory(UUIDTimestampedModel):
    """A person's own category under the taxonomy (or under another of theirs). Its code starts
    with its parent's and a double underscore (`FOOD_AND_DRINK_COFFEE__FLAT_WHITES`), so the
    taxonomy entry it hangs from, its primary and its kind are read off the code (see
    transactions/user_taxonomy.py) and transactions store it in their ordinary `category`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="custom_categories")
    code = models.CharField(max_length=80)
    parent = models.CharField(max_length=80, help_text="A taxonomy code or one of the person's own.")
    label = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["user", "code"], name="tx_custom_category_code_per_user")]

    def __str__(self) -> str:
        return f"{self.code} ({self.label})"


class TransactionDetails(models.Model):
    """What a person adds to one transaction beyond its category and notes (which are the
    transaction's own fields): tags, and whether it is hidden or left out of budgets."""

    id = models.BigAutoField(primary_key=True)
    transaction = models.OneToOneField(settings.CATEGORISED_TRANSACTION_MODEL, on_delete=models.CASCADE,
                                       related_name="details")
    tags = models.JSONField(blank=True, default=list)
    # ",groceries,holiday 2026,": the tags lower-cased between commas, so a tag filter is one
    # LIKE on every database (SQLite cannot look inside a JSON list).
    tags_index = models.CharField(max_length=1000, blank=True, default="", editable=False)
    hidden = models.BooleanField(default=False, help_text="Hidden from lists unless asked for, and not counted.")
    excluded_from_budgets = models.BooleanField(default=False, help_text="Listed, but not counted in budgets.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"details of {self.transaction_id}"


class TransactionSplit(models.Model):
    """One part of a split payment. A split transaction's parts always add up to its amount
    exactly (enforced by the service); budgets and spending count the parts, not the whole."""

    id = models.BigAutoField(primary_key=True)
    transaction = models.ForeignKey(settings.CATEGORISED_TRANSACTION_MODEL, on_delete=models.CASCADE,
                                    related_name="splits")
    category = models.CharField(max_length=80)
    amount = models.DecimalField(**PROVIDER_MONEY, help_text="Signed like the transaction.")
    note = models.CharField(max_length=200, blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.transaction_id} {self.category} {self.amount}"


class PendingPayments(models.TextChoices):
    SEPARATE = "separate", "Shown separately until booked"
    COUNTED = "counted", "Counted as soon as they appear"


class BudgetSettings(models.Model):
    """How a person's budgets run: the day their month starts (payday), an overall monthly cap,
    and whether pending card payments count."""

    id = models.BigAutoField(primary_key=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="budget_settings")
    payday = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)],
                                              help_text="Day of the month a budget period starts (1-31).")
    total_monthly = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)],
                                        help_text="A cap on all spending in a period; empty: none.")
    currency = models.CharField(max_length=3, default="GBP", validators=[currency_validator])
    pending = models.CharField(max_length=10, choices=PendingPayments.choices, default=PendingPayments.SEPARATE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"budget settings of {self.user_id}"
