"""The pension pages: my pensions with the source and date of each value, a manual pot and its
history, field errors, the State Pension form, the projection's assumptions, connecting the
sandbox pension service with the consent step, and anyone else's pension (404)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pensions.models import PensionAccount, PensionConsent, StatePensionForecast
from pensions.services.pots import manual_pot_create, manual_value_add

NOW = "2026-11-15 10:00 +00:00"


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def pot(user):
    from datetime import date
    from decimal import Decimal

    pot = manual_pot_create(user, name="Acme pension", pension_type="DC", provider_name="Aviva",
                            value=Decimal("12000"), value_date=date(2026, 3, 31))
    manual_value_add(pot, value=Decimal("12500"), on=date(2026, 9, 30), note="annual statement")
    return pot


@time_machine.travel(NOW, tick=False)
def test_my_pensions_shows_source_and_date(signed_in, pot):
    page = signed_in.get(reverse("web:pensions")).content.decode()
    assert "Acme pension" in page and "£12,500.00" in page and "Entered by you, 30 Sep 2026" in page
    assert "Pension pots" in page and "Net worth" in page
    history = signed_in.get(reverse("web:pension", args=[pot.pk])).content.decode()
    assert history.index("30 September 2026") < history.index("31 March 2026") and "annual statement" in history


@time_machine.travel(NOW, tick=False)
def test_add_a_pot_and_a_value_with_field_errors(signed_in, user):
    bad = signed_in.post(reverse("web:pension-add"), {"name": "", "pension_type": "XX", "value": "-1",
                                                       "value_date": "2026-02-30"})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) >= {"name", "pension_type", "value", "value_date"}
    future = signed_in.post(reverse("web:pension-add"), {"name": "P", "pension_type": "DC", "value": "10",
                                                          "value_date": "2027-01-01"})
    assert "value_date" in future.context["form"].errors and not PensionAccount.objects.exists()
    made = signed_in.post(reverse("web:pension-add"), {"name": "Old job", "pension_type": "DC", "provider_name": "NEST",
                                                        "value": "5000", "value_date": "2026-04-05",
                                                        "monthly_contribution": "100"})
    pot = PensionAccount.objects.get(name="Old job")
    assert made.status_code == 302 and pot.valuations.get().source == "manual"
    added = signed_in.post(reverse("web:pension-value-add", args=[pot.pk]), {"value": "5200", "date": "2026-10-31"})
    assert added.status_code == 302 and pot.valuations.count() == 2
    bad_value = signed_in.post(reverse("web:pension-value-add", args=[pot.pk]), {"value": "x", "date": "2026-31-10"})
    assert bad_value.status_code == 400 and set(bad_value.context["value_form"].errors) == {"value", "date"}
    edited = signed_in.post(reverse("web:pension-edit", args=[pot.pk]), {"name": "Old job pension",
                                                                           "pension_type": "DC",
                                                                           "monthly_contribution": "150"})
    pot.refresh_from_db()
    assert edited.status_code == 302 and pot.name == "Old job pension" and pot.monthly_contribution == 150
    assert signed_in.post(reverse("web:pension-delete", args=[pot.pk])).status_code == 302
    assert not PensionAccount.objects.filter(pk=pot.pk).exists()


def test_someone_elses_pension_is_a_404(pot, other_user):
    other = Client()
    other.force_login(other_user)
    for name, method in (("web:pension", "get"), ("web:pension-edit", "get"), ("web:pension-value-add", "post"),
                         ("web:pension-delete", "post")):
        assert getattr(other, method)(reverse(name, args=[pot.pk])).status_code == 404
    assert "Acme pension" not in other.get(reverse("web:pensions")).content.decode()


@time_machine.travel("2026-04-05 23:30 +01:00", tick=False)
def test_state_pension_form(signed_in, user):
    missing = signed_in.post(reverse("web:state-pension"), {"weekly_amount": "221.20", "qualifying_years": "30",
                                                             "forecast_date": "2026-04-05"})
    assert missing.status_code == 400 and "date_of_birth" in missing.context["form"].errors
    bad = signed_in.post(reverse("web:state-pension"), {"weekly_amount": "221.20", "qualifying_years": "30",
                                                         "forecast_date": "2026-04-05", "date_of_birth": "2030-01-01"})
    assert "date_of_birth" in bad.context["form"].errors and not StatePensionForecast.objects.exists()
    ok = signed_in.post(reverse("web:state-pension"), {"weekly_amount": "221.20", "qualifying_years": "30",
                                                        "forecast_date": "2026-04-05", "date_of_birth": "1961-03-06"})
    assert ok.status_code == 302
    page = signed_in.get(reverse("web:state-pension")).content.decode()
    assert "67 years" in page and "6 March 2028" in page and "£11,502.40 a year" in page


@time_machine.travel(NOW, tick=False)
def test_projection_page_shows_and_changes_assumptions(signed_in, user, pot):
    assert "date of birth" in signed_in.get(reverse("web:pension-projection")).content.decode()
    signed_in.post(reverse("web:state-pension"), {"weekly_amount": "230.25", "qualifying_years": "35",
                                                   "forecast_date": "2026-11-01", "date_of_birth": "1980-05-17"})
    page = signed_in.get(reverse("web:pension-projection"))
    text = page.content.decode()
    assert "FCA projection assumptions" in text and "today's money" in text
    before = page.context["projection"].income_with_state_pension
    form = {"retirement_age": "70", "growth_rate_percent": "5", "inflation_percent": "2",
            "annual_charge_percent": "0.75", "lump_sum_percent": "25", "drawdown_rate_percent": "4"}
    assert signed_in.post(reverse("web:pension-projection"), form).status_code == 302
    after = signed_in.get(reverse("web:pension-projection")).context["projection"]
    assert after.assumptions.retirement_age == 70 and after.income_with_state_pension > before
    bad = signed_in.post(reverse("web:pension-projection"), {**form, "retirement_age": "30",
                                                              "lump_sum_percent": "60"})
    assert bad.status_code == 400 and set(bad.context["form"].errors) == {"retirement_age", "lump_sum_percent"}


@pytest.mark.django_db(transaction=True)
def test_connect_the_sandbox_service_with_consent(signed_in, user, sandbox_pensions):
    url = reverse("web:pension-connect", args=["sandbox_pensions"])
    page = signed_in.get(url).content.decode()
    assert "I agree that my name, date of birth, National Insurance number" in page
    form = {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1980-05-17", "ni_number": "AB 12 34 56 C",
            "postcode": "SW1A 1AA"}
    refused = signed_in.post(url, {**form, "consent": "no"})
    assert refused.status_code == 400 and "nothing was sent" in refused.content.decode()
    assert PensionConsent.objects.get(user=user).status == "refused"
    bad = signed_in.post(url, {**form, "ni_number": "TN 12 34 56 A", "consent": "yes"})
    assert bad.status_code == 400 and "ni_number" in bad.context["form"].errors
    done = signed_in.post(url, {**form, "consent": "yes"})
    assert done.status_code == 302
    mine = signed_in.get(reverse("web:pensions")).content.decode()
    assert "Harbour Workplace Master Trust" in mine and "From Sandbox pension finder" in mine
    assert "Being calculated" in mine and "Possible match" in mine and "a year" in mine
    assert "123456" not in mine


@pytest.fixture
def sandbox_pensions(live_server, settings, monkeypatch):
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_PENSIONS_URL = f"{live_server.url}/sandbox/pensions/api/v1"
    from integrations_core.services.sync import connection_sync_by_id

    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async",
                        lambda *, args, kwargs, countdown=0: connection_sync_by_id(args[0], args[1], **kwargs))
    return live_server


@pytest.mark.django_db(transaction=True)
def test_withdraw_consent_then_nothing_is_fetched(signed_in, user, sandbox_pensions, other_user):
    from pensions.models import PensionConnection

    form = {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1980-05-17",
            "ni_number": "AB 12 34 56 C", "postcode": "SW1A 1AA", "consent": "yes"}
    signed_in.post(reverse("web:pension-connect", args=["sandbox_pensions"]), form)
    connection = PensionConnection.objects.get(user=user)
    other = Client()
    other.force_login(other_user)
    assert other.post(reverse("web:pension-consent-withdraw", args=[connection.pk])).status_code == 404
    assert other.post(reverse("web:pension-statement", args=[connection.pk])).status_code == 404
    assert signed_in.post(reverse("web:pension-consent-withdraw", args=[connection.pk])).status_code == 302
    page = signed_in.get(reverse("web:pensions")).content.decode()
    assert "No consent in force" in page and "Connect again" in page and "Harbour Workplace Master Trust" in page
    response = signed_in.post(reverse("web:pension-statement", args=[connection.pk]), follow=True)
    assert "nothing was asked" in response.content.decode()
