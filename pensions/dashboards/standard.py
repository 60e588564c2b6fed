"""The UK pensions dashboards data standard, as far as this project speaks it: the names of the
find request's items and of the view data's (MaPS' MoneyHelper dashboard front end mirrors the
view payload with these names: `pensionArrangements[]`, `benefitIllustrations[]`,
`illustrationComponents[]`, `payableDetails`, `dcPot`...; Pensions Dashboards Programme data
standards, draft v1.3; ../shared/reference/domain.md §1.2).

Only what the code reads is listed; everything else in a payload is kept in the raw copy
(minus the person's date of birth, which view data repeats and we never store twice)."""

from __future__ import annotations

# Illustration component types.
ERI = "ERI"  # estimated retirement income
AP = "AP"  # accrued pension (accrued amount to date)

# `unavailableReason` codes seen in the standard's test data and what we tell the person.
# DBC / DCC: the scheme is calculating the value (TPR: values older than 12 months must be
# recalculated within 3 working days), so we keep asking daily and show the last value meanwhile.
BEING_CALCULATED = frozenset({"DBC", "DCC"})
UNAVAILABLE_REASONS = {
    "DBC": "The scheme is calculating this value (defined benefit). It can take a few working days.",
    "DCC": "The scheme is calculating this value. It can take a few working days.",
    "DCHA": "The scheme cannot give a value online: the pension is in payment or being transferred.",
    "DB": "The scheme cannot give an estimated income for this pension online.",
    "ANO": "The scheme has no value to show online. Contact it for a statement.",
}
PENDING_POSSIBLE_MATCH = "POSS"
POSSIBLE_MATCH_MESSAGE = ("This scheme may hold a pension of yours but needs more details to be sure. "
                          "Contact it with the reference shown.")

# Find request: the items the find data carries (identity service verified, or volunteered).
FIND_ITEMS = ("firstName", "lastName", "dateOfBirth", "nino", "postcode", "addressLine", "email")


def unavailable_message(code: str) -> str:
    return UNAVAILABLE_REASONS.get(code, f"The scheme cannot show this value online (reason {code}).")
