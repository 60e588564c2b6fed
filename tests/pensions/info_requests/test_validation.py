"""NI numbers by HMRC's format rules (NIM39110) and impossible dates."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from pensions.info_requests.validation import dates_check, ni_number_validate


@pytest.mark.parametrize("value, canonical", [
    ("AB123456C", "AB123456C"),
    ("ab 12 34 56 c", "AB123456C"),
    ("AB-12-34-56-D", "AB123456D"),
    ("JZ123456A", "JZ123456A"),
])
def test_valid_ni_numbers_are_accepted_in_canonical_form(value, canonical):
    assert ni_number_validate(value) == canonical


@pytest.mark.parametrize("value, code", [
    ("A123456C", "ni_format"),
    ("AB12345C", "ni_format"),
    ("AB123456", "ni_format"),
    ("DA123456A", "ni_prefix_letter"),   # D first
    ("AF123456A", "ni_prefix_letter"),   # F second
    ("IA123456A", "ni_prefix_letter"),
    ("AQ123456A", "ni_prefix_letter"),
    ("UA123456A", "ni_prefix_letter"),
    ("VA123456A", "ni_prefix_letter"),
    ("AO123456A", "ni_prefix_o"),        # second letter O
    ("BG123456A", "ni_prefix_unallocated"),
    ("GB123456A", "ni_prefix_unallocated"),
    ("KN123456A", "ni_prefix_unallocated"),
    ("NK123456A", "ni_prefix_unallocated"),
    ("NT123456A", "ni_prefix_unallocated"),
    ("TN123456A", "ni_prefix_unallocated"),
    ("ZZ123456A", "ni_prefix_unallocated"),
    ("AB123456E", "ni_suffix"),
    ("QQ123456C", "ni_prefix_letter"),   # HMRC's own specimen number is not a real one,
])
def test_invalid_ni_numbers_say_which_rule(value, code):
    with pytest.raises(ValidationError) as caught:
        ni_number_validate(value)
    assert caught.value.code == code


TODAY = date(2026, 4, 5)


def test_good_dates_have_no_errors():
    assert dates_check(date_of_birth=date(1980, 2, 29), employment_start=date(2001, 4, 6),
                       employment_end=date(2026, 4, 5), today=TODAY) == {}


@pytest.mark.parametrize("kwargs, field", [
    ({"date_of_birth": date(2026, 4, 6)}, "date_of_birth"),
    ({"date_of_birth": date(1890, 1, 1)}, "date_of_birth"),
    ({"date_of_birth": date(1980, 1, 1), "employment_start": date(1979, 12, 31)}, "employment_start"),
    ({"employment_start": date(2026, 4, 6)}, "employment_start"),
    ({"employment_start": date(2010, 1, 1), "employment_end": date(2009, 12, 31)}, "employment_end"),
    ({"employment_end": date(2026, 4, 6)}, "employment_end"),
])
def test_impossible_dates_are_field_errors(kwargs, field):
    errors = dates_check(**{"date_of_birth": None, "employment_start": None, "employment_end": None, **kwargs},
                         today=TODAY)
    assert list(errors) == [field]
