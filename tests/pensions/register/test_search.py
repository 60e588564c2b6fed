"""find_pensions over the shipped register: typos, company suffixes, '&'/'and', old names,
absorbed brands and employers, ranking and the tracing-service fallback. Runs on SQLite and, with
DATABASE_URL set, on PostgreSQL through the pg_trgm candidate filter."""

from __future__ import annotations

import pytest
from django.db import connection

from pensions.register.names import name_normalise
from pensions.register.selectors import TRACING_SERVICE_URL, find_pensions


def top(query):
    result = find_pensions(query)
    assert result.matches, f"nothing found for {query!r}"
    return result.matches[0]


@pytest.mark.parametrize("text, expected", [
    ("J Sainsbury plc", "j sainsbury"),
    ("Legal & General Group Limited", "legal and general"),
    ("The People’s Pension", "peoples pension"),
    ("Acme Ltd.", "acme"),
    ("The Co", "the co"),
])
def test_names_are_normalised(text, expected):
    assert name_normalise(text) == expected


@pytest.mark.parametrize("query, scheme, field", [
    ("NHS Pension Scheme", "nhs-pension-scheme", "name"),
    ("Nhs pensoin scheme", "nhs-pension-scheme", "name"),            # typo
    ("Teachers Pension Sceme", "teachers-pension-scheme", "name"),   # typo, apostrophe dropped
    ("Morisons", "aviva", "employer"),                               # misspelt employer
    ("Wm Morrison Supermarkets plc", "aviva", "employer"),           # suffix
    ("Tata Steel UK Limited", "british-steel-pension-scheme", "employer"),
    ("British Telecom plc", "bt-pension-scheme", "employer"),
    ("British Telecommunications Staff Superannuation Scheme", "bt-pension-scheme", "former_name"),  # old name
    ("Scottish Equitable", "aegon", "former_name"),                  # old name of the insurer
    ("Refuge Assurance", "royal-london", "brand"),                   # absorbed brand
    ("Skandia", "reassure", "brand"),
    ("Legal and General", "legal-and-general", "name"),              # '&' typed as 'and'
    ("National Employment Savings Trust", "nest", "former_name"),
    ("B&CE", "the-peoples-pension", "brand"),
    ("Corus", "british-steel-pension-scheme", "employer"),
])
def test_finds_the_scheme_and_says_why(register, query, scheme, field):
    match = top(query)
    assert match.scheme.register_id == scheme
    assert match.matched_field == field
    assert match.matched_name in match.why and f"{match.score}%" in match.why


def test_an_employer_with_several_schemes_lists_them_all(register):
    ids = {m.scheme.register_id for m in find_pensions("Shell UK Limited").matches}
    assert {"shell-contributory-pension-fund", "shell-overseas-contributory-pension-fund",
            "shell-international-pension-fund"} <= ids


def test_exact_names_outrank_fuzzy_ones(register):
    result = find_pensions("Royal Mail Pension Plan")
    assert result.matches[0].scheme.register_id == "royal-mail-pension-plan"
    assert result.matches[0].score == 100
    assert [m.score for m in result.matches] == sorted((m.score for m in result.matches), reverse=True)


def test_an_employer_shared_by_two_schemes_finds_both(register):
    ids = {m.scheme.register_id for m in find_pensions("Post Office").matches}
    assert {"royal-mail-pension-plan", "royal-mail-statutory-pension-scheme"} <= ids


@pytest.mark.parametrize("query", ["Zyxwvut Holdings", "qq", "Acme Widgets"])
def test_nothing_found_offers_the_tracing_service(register, query):
    result = find_pensions(query)
    assert not result.found
    assert result.tracing_service_url == TRACING_SERVICE_URL == "https://www.gov.uk/find-pension-contact-details"


def test_a_short_query_does_not_match_inside_words(register):
    # "bt" must not match every name containing the letters b, t ("abtech"-like fragments).
    ids = [m.scheme.register_id for m in find_pensions("BT").matches]
    assert "bt-pension-scheme" in ids
    assert "british-steel-pension-scheme" not in ids


def test_switched_off_schemes_are_never_offered(register):
    from pensions.models import PensionScheme

    PensionScheme.objects.filter(register_id="nest").update(active=False)
    assert all(m.scheme.register_id != "nest" for m in find_pensions("Nest").matches)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only")
def test_postgresql_has_the_trigram_index_and_uses_it_as_a_filter(register):
    from pensions.register.selectors import scheme_candidates

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'pensions_scheme_search_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition
    candidates = list(scheme_candidates(name_normalise("Morisons")))
    assert "aviva" in [s.register_id for s in candidates]
    assert len(candidates) < 10  # a pre-filter, not the whole register
