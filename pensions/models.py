"""Pension connections, pensions (one per scheme arrangement), their valuations, the person's
identity data for find requests, their consent, the State Pension forecast they enter and the
assumptions of their retirement projection.

Field names follow the pensions dashboards data standard where the data comes from it
(`pensionType`, `matchType`, `schemeName`, `illustrationDate`, `unavailableReason`...), snake
cased, so a real dashboards feed maps one to one (pensions/dashboards/standard.py)."""

from __future__ import annotations

from types import MappingProxyType

from django.conf import settings
from django.db import models

from integrations_core.fields import EncryptedJSONField
from integrations_core.models import (
    MONEY,
    PROVIDER_MONEY,
    Account,
    AccountType,
    Connection,
    RecordKind,
    Transaction,
    UUIDTimestampedModel,
    ValuationBase,
)


class PensionType(models.TextChoices):
    """The data standard's `pensionType` codes."""

    DC = "DC", "Defined contribution (a pot)"
    DB = "DB", "Defined benefit (an income)"
    AVC = "AVC", "Additional voluntary contributions"
    HYB = "HYB", "Hybrid"
    CB = "CB", "Cash balance"
    CDC = "CDC", "Collective defined contribution"
    SP = "SP", "State Pension"


# Pension types whose value is a pot (counted in net worth); the others are an income.
POT_TYPES = frozenset({PensionType.DC, PensionType.AVC, PensionType.CB})


class MatchType(models.TextChoices):
    """The data standard's `matchType`: a definite match, or a possible one the scheme needs
    more details to confirm (it shows only its name, a case reference and its contact)."""

    DEFN = "DEFN", "Found"
    POSS = "POSS", "Possible match: the scheme needs more details"
    CONT = "CONT", "Contact the scheme"
    NEW = "NEW", "New"
    SYS = "SYS", "System"


class PensionConnection(Connection):
    class Meta(Connection.Meta):
        verbose_name = "pension provider connection"


class PensionAccount(Account):
    """One pension arrangement (a pension identifier on the dashboards model) or a manual pot."""

    connection = models.ForeignKey(PensionConnection, on_delete=models.CASCADE, related_name="accounts")
    type = models.CharField(max_length=20, choices=AccountType.choices, default=AccountType.PENSION)
    pension_type = models.CharField(max_length=3, choices=PensionType.choices, default=PensionType.DC)
    match_type = models.CharField(max_length=4, choices=MatchType.choices, default=MatchType.DEFN)
    scheme_name = models.CharField(max_length=200, blank=True, default="")
    contact_reference = models.CharField(max_length=100, blank=True, default="")
    pension_origin = models.CharField(max_length=2, blank=True, default="")
    pension_status = models.CharField(max_length=2, blank=True, default="")
    start_date = models.DateField(null=True, blank=True)
    retirement_date = models.DateField(null=True, blank=True)
    # {name, contactMethods[...]} and [{employerName, membershipStartDate, membershipEndDate}] as sent.
    pension_administrator = models.JSONField(blank=True, default=dict)
    employment_membership_periods = models.JSONField(blank=True, default=list)
    is_manual = models.BooleanField(default=False, help_text="Entered by the person, not synced.")
    provider_name = models.CharField(max_length=200, blank=True, default="",
                                     help_text="The scheme or provider a manual pot is with.")
    # Paid in each month from now on (the person's + their employer's), for the projection.
    monthly_contribution = models.DecimalField(**MONEY, default=0)
    annual_charge_percent = models.DecimalField(max_digits=5, decimal_places=3, null=True, blank=True,
                                                help_text="The pot's yearly charge; empty: the projection default.")
    # The provider's "value being calculated" (unavailableReason DCC/DBC...), kept across syncs.
    value_pending = models.CharField(max_length=10, blank=True, default="")
    value_pending_message = models.CharField(max_length=300, blank=True, default="")
    value_pending_since = models.DateTimeField(null=True, blank=True)

    class Meta(Account.Meta):
        verbose_name = "pension"

    @property
    def is_pot(self) -> bool:
        return self.pension_type in POT_TYPES


class PensionValuation(ValuationBase):
    """One benefit illustration (its `illustrationDate` is `date`), or one value the person
    entered. `value` is the pot (DC) or, for an income-type pension, the accrued yearly income
    (AP `annualAmount`), as `basis` says; never add an income to a pot."""

    class Basis(models.TextChoices):
        POT = "pot", "Pot value"
        ANNUAL_INCOME = "annual_income", "Yearly income"

    account = models.ForeignKey(PensionAccount, on_delete=models.CASCADE, related_name="valuations")
    basis = models.CharField(max_length=20, choices=Basis.choices, default=Basis.POT)
    contributions = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    employer_contributions = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    eri_annual_amount = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True,
                                            help_text="Estimated retirement income a year (ERI).")
    eri_payable_date = models.DateField(null=True, blank=True)
    ap_annual_amount = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True,
                                           help_text="Accrued income a year (AP), income-type pensions.")
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta(ValuationBase.Meta):
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="pen_valuation_one_per_day")]


class PensionContribution(Transaction):
    """Money paid into a pension. Not a cash movement of the person's accounts (the bank's
    outgoing payment is), so no total counts it; kept so a later feed of contributions has a
    home (pensions/ledger.py)."""

    SYNCED_FIELDS = ("provider_transaction_id", "fingerprint", "booked_date", "amount", "currency",
                     "description", "status", "raw")
    FINGERPRINT_FIELDS = ("booked_date", "amount", "currency")
    CLAIMS = False

    account = models.ForeignKey(PensionAccount, on_delete=models.CASCADE, related_name="contributions")

    class Meta(Transaction.Meta):
        verbose_name = "pension contribution"


PensionConnection.account_model = PensionAccount
PensionConnection.transaction_model = PensionContribution
PensionConnection.record_models = MappingProxyType({
    RecordKind.ACCOUNT: PensionAccount,
    RecordKind.TRANSACTION: PensionContribution,
    RecordKind.VALUATION: PensionValuation,
})


class PensionIdentity(UUIDTimestampedModel):
    """The few facts a find request sends: first name, last name, date of birth, NI number,
    postcode (and address line, email when given). Encrypted at rest; never logged, never in an
    API answer or admin page except masked."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pension_identity")
    data = EncryptedJSONField(default=dict)

    def __str__(self) -> str:
        return f"identity of {self.user_id}"


class PensionConsent(UUIDTimestampedModel):
    """The person's recorded answer to "may we send your details to find your pensions and
    fetch their values?" for one provider. Valid from `given_at` until `expires_at`
    (CONSENT_MONTHS later) unless withdrawn; a refusal is recorded too, and nothing is sent."""

    class Status(models.TextChoices):
        GIVEN = "given", "Given"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pension_consents")
    provider = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=Status.choices)
    given_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    wording = models.TextField(help_text="What the person agreed to, as shown to them.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.status} until {self.expires_at}"


class StatePensionForecast(UUIDTimestampedModel):
    """What the person read on GOV.UK "Check your State Pension forecast" and typed in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="state_pension_forecast")
    weekly_amount = models.DecimalField(**MONEY)
    qualifying_years = models.PositiveSmallIntegerField()
    forecast_date = models.DateField(help_text="The day the forecast was checked.")

    def __str__(self) -> str:
        return f"{self.weekly_amount}/week"


class RetirementAssumptions(UUIDTimestampedModel):
    """The person's projection settings; a row is created with the defaults of
    pensions/services/projection.py on first edit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="retirement_assumptions")
    retirement_age = models.PositiveSmallIntegerField()
    growth_rate_percent = models.DecimalField(max_digits=5, decimal_places=2)
    annual_charge_percent = models.DecimalField(max_digits=5, decimal_places=3)
    inflation_percent = models.DecimalField(max_digits=5, decimal_places=2)
    lump_sum_percent = models.DecimalField(max_digits=5, decimal_places=2)
    drawdown_rate_percent = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        verbose_name_plural = "retirement assumptions"


# The scheme register and the information requests live in their own folders.
from .info_requests.models import PensionInformationRequest, RequestStatus  # noqa: E402, F401
from .register.models import PensionScheme, SchemeKind  # noqa: E402, F401
