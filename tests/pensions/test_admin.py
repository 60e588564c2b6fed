"""The operators' console for pensions: connections, pensions, valuations and consents are
listed; no identity data, pension identifier or credential appears in clear."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pensions.models import PensionAccount, PensionConnection

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_pages_show_no_identity_or_secrets(admin_client, user, connect):
    connection = connect(user)
    pei = PensionAccount.objects.filter(connection=connection).first().external_id
    pages = [reverse("admin:pensions_pensionconnection_changelist"),
             reverse("admin:pensions_pensionconnection_change", args=[connection.pk]),
             reverse("admin:pensions_pensionaccount_changelist"),
             reverse("admin:pensions_pensionaccount_change", args=[PensionAccount.objects.first().pk]),
             reverse("admin:pensions_pensionvaluation_changelist"),
             reverse("admin:pensions_pensionconsent_changelist"),
             reverse("admin:pensions_pensioninformationrequest_changelist"),
             reverse("admin:pensions_pensionscheme_changelist")]
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in ("AB123456C", "123456", "Lovelace", "1980-05-17", pei, "consent_reference"):
            assert secret not in text, (url, secret)
    change = admin_client.get(reverse("admin:pensions_pensionconnection_change", args=[connection.pk])).content.decode()
    assert "•••••456C" in change or "•••••" in change
    assert PensionConnection.objects.get().credentials["peis"]  # kept, just not shown
