"""The register file, its schema, the idempotent upsert and the command."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from pensions.models import PensionScheme
from pensions.register.loader import SHIPPED_REGISTER, RegisterInvalid, register_parse, register_validate
from pensions.register.services import register_upsert


def test_shipped_register_is_valid_and_every_entry_is_sourced():
    entries = register_parse(SHIPPED_REGISTER.read_bytes())
    assert len(entries) >= 43
    kinds = {e["kind"] for e in entries}
    assert kinds == {"master_trust", "insurer", "public_service", "lgps_fund", "occupational"}
    for e in entries:
        assert e["sources"], e["id"]
        assert all(s["url"].startswith("http") and s["retrieved_on"] for s in e["sources"])
    names = {e["name"] for e in entries}
    for expected in ("Nest", "The People's Pension", "NHS Pension Scheme", "Teachers' Pension Scheme",
                     "Civil Service Pension Scheme", "Armed Forces Pension Scheme", "BT Pension Scheme",
                     "Universities Superannuation Scheme", "Railways Pension Scheme", "Aviva Master Trust"):
        assert expected in names


@pytest.mark.parametrize("change, where", [
    ({"sources": []}, "entries/0/sources"),
    ({"kind": "bank"}, "entries/0/kind"),
    ({"phone": "call us"}, "entries/0/phone"),
    ({"postal_address": {"line1": "1 Street", "postcode": "not a postcode"}}, "entries/0/postal_address/postcode"),
    ({"id": "Has Spaces"}, "entries/0/id"),
    ({"surprise": 1}, "entries/0"),
])
def test_an_entry_that_breaks_the_schema_is_refused_with_where(entry, change, where):
    with pytest.raises(RegisterInvalid) as caught:
        register_validate({"version": 1, "entries": [entry(**change)]})
    assert any(err.startswith(where) for err in caught.value.errors), caught.value.errors


def test_an_entry_without_a_source_is_not_shipped(entry):
    bad = entry()
    del bad["sources"]
    with pytest.raises(RegisterInvalid, match="sources"):
        register_validate({"version": 1, "entries": [bad]})


def test_duplicate_ids_are_refused(entry):
    with pytest.raises(RegisterInvalid, match="also entry 0"):
        register_validate({"version": 1, "entries": [entry(), entry(name="Other")]})


def test_not_json_is_a_clear_error():
    with pytest.raises(RegisterInvalid, match="not JSON"):
        register_parse(b"{nope")


def test_upsert_is_idempotent_and_reports_what_changed(db, entry):
    first = register_upsert([entry()], feed="upload")
    assert first.created == ["acme-pension-plan"]
    again = register_upsert([entry()], feed="upload")
    assert again.created == [] and again.updated == {} and again.unchanged == ["acme-pension-plan"]
    changed = register_upsert([entry(phone="0800 000 0000", brands=["Acme"])], feed="upload")
    assert changed.updated == {"acme-pension-plan": ["brands", "phone"]}
    scheme = PensionScheme.objects.get(register_id="acme-pension-plan")
    assert scheme.phone == "0800 000 0000" and "acme" in scheme.search_text.split(" | ")
    assert PensionScheme.objects.count() == 1


def test_dry_run_writes_nothing(db, entry):
    report = register_upsert([entry()], feed="upload", dry_run=True)
    assert report.created == ["acme-pension-plan"] and "dry run" in report.summary()
    assert not PensionScheme.objects.exists()


def test_a_feed_refresh_switches_off_rows_it_no_longer_lists_but_keeps_them(db, entry):
    register_upsert([entry(), entry(id="other-plan", name="Other Plan")], feed="shipped")
    report = register_upsert([entry()], feed="shipped", deactivate_missing=True)
    assert report.deactivated == ["other-plan"]
    assert PensionScheme.objects.get(register_id="other-plan").active is False


def test_command_loads_the_shipped_register_and_is_idempotent(db):
    out = io.StringIO()
    call_command("load_pension_register", stdout=out)
    count = PensionScheme.objects.count()
    assert count == len(register_parse(SHIPPED_REGISTER.read_bytes()))
    out = io.StringIO()
    call_command("load_pension_register", stdout=out)
    assert f"0 created, 0 updated, {count} unchanged" in out.getvalue()
    assert PensionScheme.objects.count() == count


def test_command_refuses_an_invalid_file(db, tmp_path, entry):
    path = tmp_path / "register.json"
    path.write_text(json.dumps({"version": 1, "entries": [entry(kind="bank")]}))
    with pytest.raises(CommandError, match="kind"):
        call_command("load_pension_register", "--file", str(path), stdout=io.StringIO())
    assert not PensionScheme.objects.exists()


def test_command_names_an_unknown_feed(db):
    with pytest.raises(CommandError, match="no pension register feed 'nope'"):
        call_command("load_pension_register", "--feed", "nope", stdout=io.StringIO())
