"""The pension pages: my pensions (every pot: from a provider, a found scheme, or entered by
hand, with the source and date of each value and "being calculated" said plainly), a pension's
history, adding and editing a manual pot and its values, the State Pension form, connecting the
sandbox pension service (identity, then the consent step), fetching the latest values, and the
projection with its editable assumptions. Thin, as web/views.py: pensions selectors and services
do the work; everything is found through the person's own rows (anyone else's id is a 404)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations_core.connect.base import ConnectError
from integrations_core.connect.registry import flow_for
from integrations_core.networth import net_worth
from integrations_core.providers.base import AuthType, Family
from integrations_core.selectors import providers_enabled
from integrations_core.services.connections import SyncNotPossible, connection_sync_now
from integrations_core.services.sync import SyncQueueUnavailable
from pensions import selectors
from pensions.connect import consent_wording
from pensions.dashboards.standard import BEING_CALCULATED
from pensions.models import PensionType
from pensions.services.consent import consent_in_force, consent_withdraw
from pensions.services.identity import IdentityInvalid, identity_date_of_birth_set
from pensions.services.pots import (
    NotManual,
    assumptions_set,
    manual_pot_create,
    manual_pot_delete,
    manual_pot_update,
    manual_value_add,
    state_pension_set,
)
from pensions.services.projection import DEFAULTS, DEFAULTS_SOURCE, WEEKS_A_YEAR

# ISO format: a type="date" input shows nothing for a locale-formatted value ("17/05/1980").
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}
PERCENT = {"max_digits": 5, "decimal_places": 2}


def _not_future(value, what):
    if value and value > timezone.localdate():
        raise forms.ValidationError(f"{what} cannot be in the future.")
    return value


class PotForm(forms.Form):
    name = forms.CharField(label="Name of the pension", max_length=200)
    pension_type = forms.ChoiceField(label="Type", choices=[(PensionType.DC, "A pot (defined contribution)"),
                                                            (PensionType.DB, "An income (defined benefit)")])
    provider_name = forms.CharField(label="Provider or scheme", max_length=200, required=False)
    monthly_contribution = forms.DecimalField(label="Paid in each month (you and your employer), £", required=False,
                                              initial=Decimal(0), **{**MONEY, "max_digits": 12})
    annual_charge_percent = forms.DecimalField(label="Yearly charge, %", required=False, max_digits=5,
                                               decimal_places=3, min_value=Decimal(0), max_value=Decimal(5),
                                               help_text="Empty: the projection's default (0.75%).")


class PotCreateForm(PotForm):
    value = forms.DecimalField(label="Value on your latest statement, £ (a DB pension: its yearly income)",
                               required=False, **MONEY)
    value_date = forms.DateField(label="Statement date", widget=DATE, required=False)
    contributions = forms.DecimalField(label="Paid in so far, £ (optional)", required=False, **MONEY)

    def clean_value_date(self):
        return _not_future(self.cleaned_data.get("value_date"), "A statement date")

    def clean(self):
        data = super().clean()
        if data.get("value_date") and data.get("value") is None:
            self.add_error("value", "Give the value the statement shows on that date.")
        return data


class ValueForm(forms.Form):
    value = forms.DecimalField(label="Value, £", **MONEY)
    date = forms.DateField(label="Statement date", widget=DATE)
    contributions = forms.DecimalField(label="Paid in so far, £ (optional)", required=False, **MONEY)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def clean_date(self):
        return _not_future(self.cleaned_data["date"], "A statement date")


class StatePensionForm(forms.Form):
    weekly_amount = forms.DecimalField(label="Forecast, £ a week", max_digits=8, decimal_places=2,
                                       min_value=Decimal(0), max_value=Decimal(1000))
    qualifying_years = forms.IntegerField(label="Qualifying years so far", min_value=0, max_value=60,
                                          help_text="35 years give the full new State Pension.")
    forecast_date = forms.DateField(label="Checked on", widget=DATE)
    date_of_birth = forms.DateField(label="Your date of birth", widget=DATE, required=False,
                                    help_text="Sets your State Pension age.")

    def clean_forecast_date(self):
        return _not_future(self.cleaned_data["forecast_date"], "The forecast date")


class AssumptionsForm(forms.Form):
    retirement_age = forms.IntegerField(label="Retire at age", min_value=55, max_value=75)
    growth_rate_percent = forms.DecimalField(label="Growth a year, % (before charges and inflation)",
                                             min_value=Decimal(-5), max_value=Decimal(15), **PERCENT)
    inflation_percent = forms.DecimalField(label="Inflation a year, %", min_value=Decimal(0), max_value=Decimal(10),
                                           **PERCENT)
    annual_charge_percent = forms.DecimalField(label="Charges a year, %", min_value=Decimal(0), max_value=Decimal(5),
                                               max_digits=5, decimal_places=3)
    lump_sum_percent = forms.DecimalField(label="Tax-free lump sum, % of the pots", min_value=Decimal(0),
                                          max_value=Decimal(25), **PERCENT)
    drawdown_rate_percent = forms.DecimalField(label="Drawn each year, % of what is left", min_value=Decimal(0),
                                               max_value=Decimal(15), **PERCENT)


class ConnectForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    date_of_birth = forms.CharField(label="Date of birth", widget=DATE)
    ni_number = forms.CharField(label="National Insurance number", max_length=20,
                                help_text="For example QQ 12 34 56 A.")
    postcode = forms.CharField(label="Postcode of your current address", max_length=10)
    address_line = forms.CharField(label="First line of your address (optional)", max_length=200, required=False)
    consent = forms.ChoiceField(label="Do you agree?", widget=forms.RadioSelect,
                                choices=(("yes", "Yes, I agree"), ("no", "No")))


def _pension_providers():
    return [p for p in providers_enabled() if p.family == Family.PENSIONS and p.auth_type == AuthType.FIND_REQUEST]


def _provider(slug: str):
    for provider in _pension_providers():
        if provider.slug == slug:
            return provider
    raise Http404("No such pension provider.")


def _rows(user):
    rows = []
    for pension in selectors.pension_list(user):
        rows.append({"pension": pension, "provider": pension.provider_name or pension.connection.institution_name,
                     "being_calculated": pension.value_pending in BEING_CALCULATED})
    return rows


@login_required
@require_GET
def pensions(request):
    worth = net_worth(request.user)
    connections = [{"connection": c, "consent": consent_in_force(request.user, c.provider)}
                   for c in selectors.pension_connections(request.user)]
    return render(request, "web/pensions/pensions.html", {
        "rows": _rows(request.user), "connections": connections, "providers": _pension_providers(),
        "incomes": selectors.pension_incomes(request.user), "worth": worth,
        "pots_total": worth.by_family.get("pensions", Decimal(0)),
        "state_pension": selectors.state_pension_get(request.user),
    })


@login_required
@require_GET
def pension_detail(request, pk):
    pension = selectors.pension_get(request.user, pk)
    return render(request, "web/pensions/pension.html", {
        "pension": pension, "valuations": list(pension.valuations.all()),
        "value_form": ValueForm(initial={"date": timezone.localdate()}) if pension.is_manual else None,
        "being_calculated": pension.value_pending in BEING_CALCULATED,
    })


@login_required
@require_http_methods(["GET", "POST"])
def pension_add(request):
    form = PotCreateForm(request.POST or None, initial={"value_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        data.setdefault("monthly_contribution", Decimal(0))
        data.setdefault("provider_name", "")
        pot = manual_pot_create(request.user, **data)
        messages.success(request, f"{pot.name} is added.")
        return redirect("web:pension", pk=pot.pk)
    return render(request, "web/pensions/pot_form.html", {"form": form, "pension": None},
                  status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def pension_edit(request, pk):
    pension = selectors.pension_get(request.user, pk)
    fields = ("name", "pension_type", "provider_name", "monthly_contribution", "annual_charge_percent")
    form = PotForm(request.POST or None, initial={k: getattr(pension, k) for k in fields})
    if not pension.is_manual:  # a provider's pension: only what no feed sends (for the projection)
        for name in ("name", "pension_type", "provider_name"):
            del form.fields[name]
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k in form.fields}
        if values.get("monthly_contribution") is None and "monthly_contribution" in values:
            values["monthly_contribution"] = Decimal(0)
        manual_pot_update(pension, **{k: ("" if v is None and k == "provider_name" else v) for k, v in values.items()})
        messages.success(request, "Saved.")
        return redirect("web:pension", pk=pension.pk)
    return render(request, "web/pensions/pot_form.html", {"form": form, "pension": pension},
                  status=400 if form.is_bound else 200)


@login_required
@require_POST
def pension_value_add(request, pk):
    pension = selectors.pension_get(request.user, pk)
    form = ValueForm(request.POST)
    if form.is_valid():
        try:
            manual_value_add(pension, value=form.cleaned_data["value"], on=form.cleaned_data["date"],
                             contributions=form.cleaned_data.get("contributions"), note=form.cleaned_data["note"])
        except NotManual as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Value added.")
            return redirect("web:pension", pk=pension.pk)
    return render(request, "web/pensions/pension.html", {
        "pension": pension, "valuations": list(pension.valuations.all()), "value_form": form,
        "being_calculated": pension.value_pending in BEING_CALCULATED}, status=400)


@login_required
@require_POST
def pension_delete(request, pk):
    pension = selectors.pension_get(request.user, pk)
    try:
        manual_pot_delete(pension)
    except NotManual as exc:
        messages.error(request, exc.message)
        return redirect("web:pension", pk=pk)
    messages.success(request, f"{pension.name} and its values are deleted.")
    return redirect("web:pensions")


@login_required
@require_http_methods(["GET", "POST"])
def state_pension(request):
    forecast, spa = selectors.state_pension_get(request.user)
    born = selectors.date_of_birth(request.user)
    initial = {"forecast_date": timezone.localdate()}
    if forecast:
        initial.update(weekly_amount=forecast.weekly_amount, qualifying_years=forecast.qualifying_years,
                       forecast_date=forecast.forecast_date)
    form = StatePensionForm(request.POST or None, initial={**initial, "date_of_birth": born})
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        day = values.pop("date_of_birth")
        try:
            if day is not None:
                identity_date_of_birth_set(request.user, day)
            elif born is None:
                raise IdentityInvalid({"date_of_birth": ["Give your date of birth: it sets your State Pension age."]})
        except IdentityInvalid as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field, error)
        else:
            state_pension_set(request.user, **values)
            messages.success(request, "Your State Pension forecast is saved.")
            return redirect("web:pensions")
    return render(request, "web/pensions/state_pension.html", {
        "form": form, "forecast": forecast, "spa": spa,
        "annual": forecast.weekly_amount * WEEKS_A_YEAR if forecast else None,
    }, status=400 if form.is_bound else 200)


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def pension_connect(request, slug):
    provider = _provider(slug)
    form = ConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            flow_for(provider).complete(user=request.user, provider=provider, connection=None,
                                        data={"credentials": form.cleaned_data})
        except ConnectError as exc:
            fields = {k.removeprefix("credentials."): v for k, v in (exc.fields or {}).items()}
            for field, errors in fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not fields:
                form.add_error(None, exc.message)
        else:
            messages.success(request, f"We asked {provider.name} for your pensions. Their values are below.")
            return redirect("web:pensions")
    return render(request, "web/pensions/connect.html", {
        "form": form, "provider": provider, "wording": consent_wording(provider)},
        status=400 if form.is_bound else 200)


@login_required
@require_POST
def pension_statement(request, pk):
    """request_pension_statement from the page: ask the provider for every pension's value now."""
    connection = selectors.pension_connections(request.user).filter(pk=pk).first()
    if connection is None:
        raise Http404("No such connection.")
    if consent_in_force(request.user, connection.provider) is None:
        messages.error(request, "Your consent has expired or was withdrawn, so nothing was asked. "
                                "Connect again to give it.")
        return redirect("web:pensions")
    try:
        connection_sync_now(connection, actor=request.user)
    except SyncNotPossible as exc:
        messages.error(request, exc.message)
    except SyncQueueUnavailable:
        messages.error(request, "We could not ask the provider right now. Try again shortly.")
    else:
        messages.success(request, "We asked for the latest values.")
    return redirect("web:pensions")


@login_required
@require_POST
def pension_consent_withdraw(request, pk):
    """Withdraw consent for a connection's provider: from now on nothing is sent to it."""
    connection = selectors.pension_connections(request.user).filter(pk=pk).first()
    if connection is None:
        raise Http404("No such connection.")
    consent_withdraw(request.user, provider_slug=connection.provider)
    messages.success(request, f"Consent withdrawn: nothing more is sent to {connection.institution_name}. "
                              "Your pensions and their values so far are kept.")
    return redirect("web:pensions")


@login_required
@require_http_methods(["GET", "POST"])
def projection(request):
    current = selectors.assumptions_get(request.user)
    form = AssumptionsForm(request.POST or None, initial=vars(current))
    if request.method == "POST" and form.is_valid():
        assumptions_set(request.user, **form.cleaned_data)
        messages.success(request, "Assumptions saved: the projection below uses them.")
        return redirect("web:pension-projection")
    result = selectors.projection_get(request.user)
    bars = _income_bars(result) if result else []
    defaults = {**DEFAULTS}
    changed = [form.fields[k].label.lower() for k, v in vars(current).items() if v != defaults.get(k)]
    return render(request, "web/pensions/projection.html", {
        "form": form, "projection": result, "defaults_source": DEFAULTS_SOURCE, "changed": changed,
        "incomes": selectors.pension_incomes(request.user), "bars": bars,
    }, status=400 if form.is_bound else 200)


def _income_bars(result) -> list[dict]:
    """The yearly income's parts as segments of one bar (SVG user units out of 100), for the
    server-rendered chart; floats only here, at the drawing edge."""
    parts = [("Drawdown from pots", result.drawdown_income, "bar--pots"),
             ("Defined-benefit pensions", result.db_income, "bar--db"),
             ("State Pension", result.state_pension, "bar--state")]
    total = sum((amount for _, amount, _ in parts), Decimal(0))
    if total <= 0:
        return []
    bars, x = [], 0.0
    for label, amount, css in parts:
        width = float(amount / total * 100)
        if width > 0:
            bars.append({"label": label, "amount": amount, "x": round(x, 2), "width": round(width, 2), "css": css})
            x += width
    return bars



