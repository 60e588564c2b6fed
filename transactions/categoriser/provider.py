"""What the bank or aggregator already told us, mapped onto the taxonomy.

Three kinds of signal, strongest first:
- a category: TrueLayer `transaction_classification` (`["Food & Dining", "Groceries"]`, stored as
  "Food & Dining/Groceries"), or a Plaid PFC code passed straight through;
- an ISO 20022 bank transaction code from GoCardless (`PMNT-CCRD-CWDL` is a cash withdrawal);
- a transaction type: TrueLayer `transaction_category` (ATM, INTEREST, DIRECT_DEBIT...) or a UK
  statement code (CPT, BGC, FPI...) found in the description.
A payment type alone (direct debit, faster payment) says how money moved, not what for, so those
answers carry confidences below the acceptance line: they only decide when nothing else can.
"""

from __future__ import annotations

import re
from decimal import Decimal

from transactions.taxonomy import is_valid, orient

from .answers import Answer

_SPLIT = re.compile(r"\s*(?:/|>|\||,|;)\s*")
_CLEAN = re.compile(r"[^a-z0-9]+")


def _k(text: str) -> str:
    return _CLEAN.sub(" ", text.lower().replace("&", " and ")).strip()


_PFC_V1_RENAMES = {
    "INCOME_WAGES": "INCOME_SALARY", "INCOME_OTHER_INCOME": "INCOME_OTHER",
    "TRANSFER_IN_CASH_ADVANCES_AND_LOANS": "LOAN_DISBURSEMENTS_OTHER_DISBURSEMENT",
}

# TrueLayer transaction_classification [top, sub] (Mint-style names).
_CLASSIFICATION = {
    ("auto and transport", "auto insurance"): "GENERAL_SERVICES_INSURANCE",
    ("auto and transport", "auto payment"): "LOAN_PAYMENTS_CAR_PAYMENT",
    ("auto and transport", "gas and fuel"): "TRANSPORTATION_GAS",
    ("auto and transport", "parking"): "TRANSPORTATION_PARKING",
    ("auto and transport", "public transportation"): "TRANSPORTATION_PUBLIC_TRANSIT",
    ("auto and transport", "service and parts"): "GENERAL_SERVICES_AUTOMOTIVE",
    ("auto and transport", "taxi"): "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
    ("auto and transport", "tolls"): "TRANSPORTATION_TOLLS",
    ("bills and utilities", "home phone"): "RENT_AND_UTILITIES_TELEPHONE",
    ("bills and utilities", "mobile phone"): "RENT_AND_UTILITIES_TELEPHONE",
    ("bills and utilities", "internet"): "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
    ("bills and utilities", "television"): "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
    ("bills and utilities", "utilities"): "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
    ("bills and utilities", "water"): "RENT_AND_UTILITIES_WATER",
    ("bills and utilities", "council tax"): "RENT_AND_UTILITIES_COUNCIL_TAX",
    ("education", "student loan"): "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
    ("education", "books and supplies"): "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS",
    ("education", "tuition"): "GENERAL_SERVICES_EDUCATION",
    ("entertainment", "amusement"): "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS",
    ("entertainment", "arts"): "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS",
    ("entertainment", "movies and dvds"): "ENTERTAINMENT_TV_AND_MOVIES",
    ("entertainment", "music"): "ENTERTAINMENT_MUSIC_AND_AUDIO",
    ("entertainment", "newspapers and magazines"): "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS",
    ("entertainment", "games"): "ENTERTAINMENT_VIDEO_GAMES",
    ("entertainment", "gambling"): "ENTERTAINMENT_CASINOS_AND_GAMBLING",
    ("fees and charges", "atm fee"): "BANK_FEES_ATM_FEES",
    ("fees and charges", "bank fee"): "BANK_FEES_OTHER_BANK_FEES",
    ("fees and charges", "finance charge"): "BANK_FEES_INTEREST_CHARGE",
    ("fees and charges", "late fee"): "BANK_FEES_LATE_FEES",
    ("fees and charges", "service fee"): "BANK_FEES_OTHER_BANK_FEES",
    ("fees and charges", "trade commissions"): "BANK_FEES_OTHER_BANK_FEES",
    ("fees and charges", "overdraft"): "BANK_FEES_OVERDRAFT_FEES",
    ("food and dining", "alcohol and bars"): "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR",
    ("food and dining", "coffee shops"): "FOOD_AND_DRINK_COFFEE",
    ("food and dining", "fast food"): "FOOD_AND_DRINK_FAST_FOOD",
    ("food and dining", "restaurants"): "FOOD_AND_DRINK_RESTAURANT",
    ("food and dining", "groceries"): "FOOD_AND_DRINK_GROCERIES",
    ("food and dining", "food delivery"): "FOOD_AND_DRINK_TAKEAWAY_DELIVERY",
    ("gifts and donations", "charity"): "GOVERNMENT_AND_NON_PROFIT_DONATIONS",
    ("gifts and donations", "gift"): "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES",
    ("health and fitness", "dentist"): "MEDICAL_DENTAL_CARE",
    ("health and fitness", "doctor"): "MEDICAL_PRIMARY_CARE",
    ("health and fitness", "eyecare"): "MEDICAL_EYE_CARE",
    ("health and fitness", "gym"): "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
    ("health and fitness", "health insurance"): "GENERAL_SERVICES_INSURANCE",
    ("health and fitness", "pharmacy"): "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
    ("health and fitness", "sports"): "GENERAL_MERCHANDISE_SPORTING_GOODS",
    ("home", "furnishings"): "HOME_IMPROVEMENT_FURNITURE",
    ("home", "home improvement"): "HOME_IMPROVEMENT_HARDWARE",
    ("home", "home insurance"): "GENERAL_SERVICES_INSURANCE",
    ("home", "home services"): "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE",
    ("home", "home supplies"): "HOME_IMPROVEMENT_OTHER_HOME_IMPROVEMENT",
    ("home", "lawn and garden"): "HOME_IMPROVEMENT_HARDWARE",
    ("home", "mortgage and rent"): "RENT_AND_UTILITIES_RENT",
    ("home", "mortgage"): "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
    ("home", "rent"): "RENT_AND_UTILITIES_RENT",
    ("income", "bonus"): "INCOME_SALARY", ("income", "paycheck"): "INCOME_SALARY",
    ("income", "salary"): "INCOME_SALARY", ("income", "interest income"): "INCOME_INTEREST_EARNED",
    ("income", "rental income"): "INCOME_RENTAL", ("income", "benefits"): "INCOME_STATE_BENEFITS",
    ("income", "pension"): "INCOME_RETIREMENT_PENSION", ("income", "dividends"): "INCOME_DIVIDENDS",
    ("investments", "buy"): "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS",
    ("investments", "deposit"): "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS",
    ("investments", "sell"): "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS",
    ("investments", "withdrawal"): "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS",
    ("investments", "dividend and cap gains"): "INCOME_DIVIDENDS",
    ("kids", "babysitter and daycare"): "GENERAL_SERVICES_CHILDCARE",
    ("kids", "baby supplies"): "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE",
    ("kids", "toys"): "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE",
    ("kids", "child support"): "TRANSFER_OUT_OTHER_TRANSFER_OUT",
    ("kids", "kids activities"): "ENTERTAINMENT_OTHER_ENTERTAINMENT",
    ("personal care", "hair"): "PERSONAL_CARE_HAIR_AND_BEAUTY",
    ("personal care", "laundry"): "PERSONAL_CARE_LAUNDRY_AND_DRY_CLEANING",
    ("personal care", "spa and massage"): "PERSONAL_CARE_HAIR_AND_BEAUTY",
    ("pets", "pet food and supplies"): "GENERAL_MERCHANDISE_PET_SUPPLIES",
    ("pets", "pet grooming"): "GENERAL_MERCHANDISE_PET_SUPPLIES",
    ("pets", "veterinary"): "MEDICAL_VETERINARY_SERVICES",
    ("shopping", "books"): "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS",
    ("shopping", "clothing"): "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
    ("shopping", "electronics and software"): "GENERAL_MERCHANDISE_ELECTRONICS",
    ("shopping", "hobbies"): "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE",
    ("shopping", "sporting goods"): "GENERAL_MERCHANDISE_SPORTING_GOODS",
    ("shopping", "groceries"): "FOOD_AND_DRINK_GROCERIES",
    ("taxes", "council tax"): "RENT_AND_UTILITIES_COUNCIL_TAX",
    ("transfer", "credit card payment"): "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    ("travel", "air travel"): "TRAVEL_FLIGHTS", ("travel", "hotel"): "TRAVEL_LODGING",
    ("travel", "rental car and taxi"): "TRAVEL_RENTAL_CARS", ("travel", "vacation"): "TRAVEL_OTHER_TRAVEL",
}
# Top level alone: (category, confidence). Most sit below the acceptance line on purpose.
_CLASSIFICATION_TOP = {
    "auto and transport": ("TRANSPORTATION_OTHER_TRANSPORTATION", 0.55),
    "bills and utilities": ("RENT_AND_UTILITIES_OTHER_UTILITIES", 0.55),
    "education": ("GENERAL_SERVICES_EDUCATION", 0.65), "entertainment": ("ENTERTAINMENT_OTHER_ENTERTAINMENT", 0.6),
    "fees and charges": ("BANK_FEES_OTHER_BANK_FEES", 0.65), "food and dining": ("FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", 0.6),
    "gifts and donations": ("GOVERNMENT_AND_NON_PROFIT_DONATIONS", 0.55), "health and fitness": ("MEDICAL_OTHER_MEDICAL", 0.55),
    "home": ("HOME_IMPROVEMENT_OTHER_HOME_IMPROVEMENT", 0.55), "income": ("INCOME_OTHER", 0.6),
    "investments": ("TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS", 0.65), "kids": ("GENERAL_SERVICES_CHILDCARE", 0.45),
    "personal care": ("PERSONAL_CARE_OTHER_PERSONAL_CARE", 0.6), "pets": ("GENERAL_MERCHANDISE_PET_SUPPLIES", 0.6),
    "shopping": ("GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE", 0.6), "taxes": ("GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT", 0.65),
    "transfer": ("TRANSFER_OUT_OTHER_TRANSFER_OUT", 0.6), "travel": ("TRAVEL_OTHER_TRAVEL", 0.6),
}
_CLASSIFICATION_SUB_CONFIDENCE = 0.75

# Transaction types and statement codes: (money out, money in, confidence).
_TYPES = {
    "ATM": ("TRANSFER_OUT_WITHDRAWAL", "TRANSFER_IN_DEPOSIT", 0.9),
    "CASH": ("TRANSFER_OUT_WITHDRAWAL", "TRANSFER_IN_DEPOSIT", 0.9),
    "CPT": ("TRANSFER_OUT_WITHDRAWAL", None, 0.9),
    "FEE_CHARGE": ("BANK_FEES_OTHER_BANK_FEES", "BANK_FEES_OTHER_BANK_FEES", 0.75),
    "FEE": ("BANK_FEES_OTHER_BANK_FEES", "BANK_FEES_OTHER_BANK_FEES", 0.7),
    "INTEREST": ("BANK_FEES_INTEREST_CHARGE", "INCOME_INTEREST_EARNED", 0.85),
    "DIVIDEND": (None, "INCOME_DIVIDENDS", 0.85),
    "CASHBACK": (None, "INCOME_OTHER", 0.7),
    "CHEQUE": (None, "TRANSFER_IN_DEPOSIT", 0.6), "CHQ": (None, "TRANSFER_IN_DEPOSIT", 0.6),
    "DEP": (None, "TRANSFER_IN_DEPOSIT", 0.6),
    "TRANSFER": ("TRANSFER_OUT_OTHER_TRANSFER_OUT", "TRANSFER_IN_OTHER_TRANSFER_IN", 0.5),
    "TFR": ("TRANSFER_OUT_OTHER_TRANSFER_OUT", "TRANSFER_IN_OTHER_TRANSFER_IN", 0.5),
    "TFR_OUT": ("TRANSFER_OUT_OTHER_TRANSFER_OUT", None, 0.55), "TFR_IN": (None, "TRANSFER_IN_OTHER_TRANSFER_IN", 0.55),
    "STANDING_ORDER": ("TRANSFER_OUT_OTHER_TRANSFER_OUT", None, 0.35),
    "SO": ("TRANSFER_OUT_OTHER_TRANSFER_OUT", None, 0.35),
    "DIRECT_DEBIT": ("RENT_AND_UTILITIES_OTHER_UTILITIES", None, 0.3),
    "DD": ("RENT_AND_UTILITIES_OTHER_UTILITIES", None, 0.3),
    "BILL_PAYMENT": ("TRANSFER_OUT_OTHER_TRANSFER_OUT", None, 0.35), "BP": ("TRANSFER_OUT_OTHER_TRANSFER_OUT", None, 0.35),
    "FPO": ("TRANSFER_OUT_OTHER_TRANSFER_OUT", None, 0.4), "FPI": (None, "TRANSFER_IN_OTHER_TRANSFER_IN", 0.4),
    "BGC": (None, "INCOME_SALARY", 0.45), "CREDIT": (None, "TRANSFER_IN_OTHER_TRANSFER_IN", 0.3),
}
# ISO 20022 sub-family codes (the third part of GoCardless `bankTransactionCode`).
_ISO_SUBFAMILY = {
    "CWDL": "ATM", "CDPT": "DEP", "SALA": ("INCOME_SALARY", 0.85), "PENS": ("INCOME_RETIREMENT_PENSION", 0.85),
    "CHRG": "FEE", "COMM": "FEE", "FEES": "FEE", "INTR": "INTEREST", "DVCA": "DIVIDEND", "DIVD": "DIVIDEND",
    "TAXE": ("GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT", 0.7), "STDO": "SO", "ESDD": "DD", "BBDD": "DD", "PMDD": "DD",
    "OODD": "DD", "ESCT": "TRANSFER", "DMCT": "TRANSFER", "XBCT": ("TRANSFER_OUT_WIRE", 0.7),
    "ICCT": "TRANSFER", "CHKD": "CHQ", "CCHQ": "CHQ", "BCHQ": "CHQ",
}
_ISO_CODE = re.compile(r"^([A-Z]{4})-([A-Z]{4})-([A-Z]{4})$")


def _category_answer(provider_category: str, amount: Decimal) -> Answer | None:
    raw = provider_category.strip()
    code = _PFC_V1_RENAMES.get(raw.upper(), raw.upper())
    if is_valid(code):
        oriented = orient(code, amount)
        return Answer(oriented, 0.8, "provider", f"Your bank classified it as {raw}") if oriented else None
    iso = _ISO_CODE.match(raw.upper())
    if iso:
        return _iso_answer(iso.group(1), iso.group(3), amount, raw)
    parts = [_k(p) for p in _SPLIT.split(raw.strip("[]").replace("'", "").replace('"', "")) if p.strip()]
    if not parts:
        return None
    if len(parts) == 1 and raw.upper().replace(" ", "_") in _TYPES:
        # TrueLayer falls back to its transaction_category, GoCardless to a proprietary code (DD, SO).
        return type_answer(raw, amount, f"Your bank reported the type {raw}")
    if len(parts) > 1 and (parts[0], parts[1]) in _CLASSIFICATION:
        mapped, confidence = _CLASSIFICATION[(parts[0], parts[1])], _CLASSIFICATION_SUB_CONFIDENCE
    elif parts[0] in _CLASSIFICATION_TOP:
        mapped, confidence = _CLASSIFICATION_TOP[parts[0]]
    else:
        return None
    oriented = orient(mapped, amount)
    return Answer(oriented, confidence, "provider", f"Your bank classified it as {raw}") if oriented else None


def _iso_answer(domain: str, subfamily: str, amount: Decimal, raw: str) -> Answer | None:
    mapped = _ISO_SUBFAMILY.get(subfamily)
    if mapped is None:
        return Answer("TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS", 0.6, "provider",
                      f"Bank transaction code {raw}") if domain == "SECU" and amount < 0 else None
    if isinstance(mapped, str):
        return type_answer(mapped, amount, f"Bank transaction code {raw}")
    oriented = orient(mapped[0], amount)
    return Answer(oriented, mapped[1], "provider", f"Bank transaction code {raw}") if oriented else None


def type_answer(kind: str, amount: Decimal, reason: str = "") -> Answer | None:
    spec = _TYPES.get(kind.upper().replace(" ", "_"))
    if spec is None:
        return None
    code = spec[1] if amount > 0 else spec[0]
    if code is None:
        return None
    return Answer(code, spec[2], "provider", reason or f"Transaction type {kind}")


def provider_answers(provider_category: str, transaction_type: str, markers, amount: Decimal) -> list[Answer]:
    """Every answer the provider's data supports, strongest first."""
    found = []
    if provider_category:
        answer = _category_answer(provider_category, amount)
        if answer:
            found.append(answer)
    if transaction_type:
        answer = type_answer(transaction_type, amount)
        if answer is None and _ISO_CODE.match(transaction_type.upper()):
            parts = transaction_type.upper().split("-")
            answer = _iso_answer(parts[0], parts[2], amount, transaction_type)
        if answer:
            found.append(answer)
    for marker in markers:
        answer = type_answer(marker, amount, f"Statement code {marker}")
        if answer:
            found.append(answer)
    found.sort(key=lambda a: -a.confidence)
    return found
