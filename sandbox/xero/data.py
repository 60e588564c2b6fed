"""A tenant's books in Xero's JSON, from the business persona: Xero's default UK chart of
accounts (the codes the persona's invoices and bills are coded to), the persona's customers and
suppliers as Contacts, its invoices (ACCREC) and bills (ACCPAY) with their Payments, a tracking
category, and as BankTransactions the card spending the bookkeeper already entered (older than
BOOKED_BEFORE_DAYS; newer spending is what the person pushes from the bank).

A login's first organisation is the persona's business; its second ("<name> Holdings") is the
persona of "<login>/2", so two tenants of one consent hold different books. Ids are stable per
login (uuid-shaped digests), as Xero's are per organisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

from sandbox.business.persona import ANCHOR, BusinessBook, business_book
from sandbox.business.persona import _guid as guid

BOOKED_BEFORE_DAYS = 60
TENANTS_PER_LOGIN = 2
BANK_CODE = "090"

# Xero's default UK chart (code, name, Type, Class, TaxType).
CHART = (
    ("090", "Business Bank Account", "BANK", "ASSET", ""),
    ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT2"),
    ("260", "Other Revenue", "REVENUE", "REVENUE", "OUTPUT2"),
    ("270", "Interest Income", "REVENUE", "REVENUE", "EXEMPTOUTPUT"),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "INPUT2"),
    ("400", "Advertising", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("404", "Bank Fees", "OVERHEADS", "EXPENSE", "EXEMPTINPUT"),
    ("408", "Cleaning", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("412", "Consulting & Accounting", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("420", "Entertainment", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("425", "Postage & Freight", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("429", "General Expenses", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("433", "Insurance", "OVERHEADS", "EXPENSE", "EXEMPTINPUT"),
    ("445", "Light, Power, Heating", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("449", "Motor Vehicle Expenses", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("453", "Office Expenses", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("461", "Printing & Stationery", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("469", "Rent", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("473", "Repairs and Maintenance", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("477", "Wages and Salaries", "OVERHEADS", "EXPENSE", "NONE"),
    ("485", "Subscriptions", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("489", "Telephone & Internet", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("493", "Travel - National", "OVERHEADS", "EXPENSE", "INPUT2"),
    ("494", "Travel - International", "OVERHEADS", "EXPENSE", "ZERORATEDINPUT"),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", ""),
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", ""),
    ("880", "Owner A Drawings", "EQUITY", "EQUITY", ""),
    ("960", "Retained Earnings", "EQUITY", "EQUITY", ""),
)
# The persona's card spending, by merchant: where the bookkeeper coded it.
SPEND_CODES = {"SHELL": "449", "RYMAN STATIONERY": "461", "TRAINLINE": "493", "PRET A MANGER": "420",
               "AMAZON MARKETPLACE": "453"}
TRACKING = ("Region", ("North", "South", "London"))


def wcf(moment: date | datetime) -> str:
    """Xero's /Date(ms+0000)/."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(0), tzinfo=UTC)
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def iso_date(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def tenant_id(username: str, index: int) -> str:
    return guid("xero-tenant", username, index)


def persona_login(username: str, index: int) -> str:
    return username if index == 0 else f"{username}/{index + 1}"


@dataclass(frozen=True)
class TenantBooks:
    """Everything one tenant holds on one day, in Xero's JSON, each row with its UpdatedDateUTC
    as a datetime beside it (for If-Modified-Since and ordering)."""

    organisation: dict
    accounts: list[dict]
    contacts: list[dict]
    tracking_categories: list[dict]
    invoices: list[dict]
    bank_transactions: list[dict]


def organisation_name(username: str, index: int, book: BusinessBook | None = None) -> str:
    book = book or business_book(persona_login(username, index), ANCHOR)
    return book.business_name + (" Ltd" if index == 0 else " Holdings")


@lru_cache(maxsize=32)
def tenant_books(username: str, index: int, today: date) -> TenantBooks:
    book = business_book(persona_login(username, index), today)
    tid = tenant_id(username, index)
    anchor = datetime.combine(ANCHOR, time(9), tzinfo=UTC)

    accounts = []
    by_code = {}
    for code, name, type_, class_, tax in CHART:
        row = {"AccountID": guid("xero-account", tid, code), "Code": code, "Name": name, "Type": type_,
               "Class": class_, "Status": "ACTIVE", "TaxType": tax, "EnablePaymentsToAccount": False,
               "ShowInExpenseClaims": class_ == "EXPENSE", "ReportingCode": "", "HasAttachments": False,
               "UpdatedDateUTC": wcf(anchor)}
        if type_ == "BANK":
            row.update(BankAccountNumber=f"{book.bank_sort_code.replace('-', '')}{book.bank_account_number}",
                       BankAccountType="BANK", CurrencyCode="GBP")
        accounts.append(row)
        by_code[code] = row
    bank = by_code[BANK_CODE]

    contacts = []
    for party, customer in [(c, True) for c in book.customers] + [(s, False) for s in book.suppliers]:
        contacts.append({"ContactID": party.id, "ContactStatus": "ACTIVE", "Name": party.name,
                         "EmailAddress": party.email, "IsSupplier": not customer, "IsCustomer": customer,
                         "UpdatedDateUTC": wcf(anchor), "HasAttachments": False, "HasValidationErrors": False})
    names = {c["ContactID"]: c["Name"] for c in contacts}

    category_id = guid("xero-tracking", tid, TRACKING[0])
    tracking = [{"TrackingCategoryID": category_id, "Name": TRACKING[0], "Status": "ACTIVE",
                 "Options": [{"TrackingOptionID": guid("xero-option", tid, o), "Name": o, "Status": "ACTIVE",
                              "HasValidationErrors": False, "IsDeleted": False, "IsArchived": False,
                              "IsActive": True} for o in TRACKING[1]]}]

    invoices = []
    for inv in book.invoices:
        lines = [{"LineItemID": guid("xero-line", inv.id, n), "Description": line.description, "Quantity": 1.0,
                  "UnitAmount": line.amount, "LineAmount": line.amount, "AccountCode": line.account_code,
                  "AccountID": by_code[line.account_code]["AccountID"], "TaxType": "NONE", "TaxAmount": Decimal("0.00"),
                  "Tracking": []} for n, line in enumerate(inv.lines)]
        invoices.append(_invoice("ACCREC", inv.id, inv.number, inv.customer.id, names, inv.issue_date, inv.due_date,
                                 inv.total, inv.paid_on, inv.payment_id, lines, bank, inv.number))
    for bill in book.bills:
        lines = [{"LineItemID": guid("xero-line", bill.id, 0), "Description": bill.description, "Quantity": 1.0,
                  "UnitAmount": bill.total, "LineAmount": bill.total, "AccountCode": bill.account_code,
                  "AccountID": by_code[bill.account_code]["AccountID"], "TaxType": "NONE",
                  "TaxAmount": Decimal("0.00"), "Tracking": []}]
        invoices.append(_invoice("ACCPAY", bill.id, bill.number, bill.supplier.id, names, bill.issue_date,
                                 bill.due_date, bill.total, bill.paid_on, bill.payment_id, lines, bank, bill.number))

    bank_transactions = []
    for line in book.bank_lines:
        if line.kind != "spend" or line.booked_on > today - timedelta(days=BOOKED_BEFORE_DAYS):
            continue
        merchant = line.description.removeprefix("CARD PAYMENT TO ")
        code = SPEND_CODES.get(merchant, "429")
        amount = -line.amount
        bank_transactions.append({
            "BankTransactionID": guid("xero-banktxn", tid, line.id), "Type": "SPEND",
            "Contact": {"ContactID": guid("xero-merchant", tid, merchant), "Name": line.counterparty},
            "LineItems": [{"LineItemID": guid("xero-banktxn-line", line.id), "Description": line.description,
                           "Quantity": 1.0, "UnitAmount": amount, "LineAmount": amount, "AccountCode": code,
                           "AccountID": by_code[code]["AccountID"], "TaxType": "NONE", "TaxAmount": Decimal("0.00"),
                           "Tracking": []}],
            "BankAccount": {"AccountID": bank["AccountID"], "Code": BANK_CODE, "Name": bank["Name"]},
            "IsReconciled": True, "Date": wcf(line.booked_on), "DateString": iso_date(line.booked_on),
            "Reference": "", "CurrencyCode": line.currency, "CurrencyRate": Decimal("1.000000"), "Status": "AUTHORISED",
            "LineAmountTypes": "Inclusive", "SubTotal": amount, "TotalTax": Decimal("0.00"), "Total": amount,
            "UpdatedDateUTC": wcf(datetime.combine(line.booked_on, time(18), tzinfo=UTC)), "HasAttachments": False,
        })

    organisation = {
        "OrganisationID": tid, "APIKey": "", "Name": organisation_name(username, index, book),
        "LegalName": organisation_name(username, index, book), "PaysTax": True, "Version": "UK",
        "OrganisationType": "COMPANY", "BaseCurrency": "GBP", "CountryCode": "GB", "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE", "FinancialYearEndDay": 31, "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "ACCRUALS", "SalesTaxPeriod": "QUARTERLY1", "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive", "CreatedDateUTC": wcf(anchor), "OrganisationEntityType": "COMPANY",
        "Timezone": "GMTSTANDARDTIME", "ShortCode": "!" + tid[:5], "Edition": "BUSINESS", "Class": "STANDARD",
    }
    return TenantBooks(organisation, accounts, contacts, tracking, invoices, bank_transactions)


def _invoice(type_: str, invoice_id: str, number: str, contact_id: str, names: dict, issued: date, due: date,
             total: Decimal, paid_on: date | None, payment_id: str, lines: list, bank: dict, reference: str) -> dict:
    paid = total if paid_on else Decimal("0.00")
    changed = max(issued, paid_on or issued)
    payments = []
    if paid_on:
        payments.append({"PaymentID": payment_id, "Date": wcf(paid_on), "Amount": total, "Reference": reference,
                         "CurrencyRate": Decimal("1.000000"), "HasAccount": True,
                         "Account": {"AccountID": bank["AccountID"], "Code": bank["Code"]},
                         "HasValidationErrors": False})
    return {
        "Type": type_, "InvoiceID": invoice_id, "InvoiceNumber": number,
        "Reference": "" if type_ == "ACCREC" else reference,
        "Contact": {"ContactID": contact_id, "Name": names.get(contact_id, "")},
        "Date": wcf(issued), "DateString": iso_date(issued), "DueDate": wcf(due), "DueDateString": iso_date(due),
        "Status": "PAID" if paid_on else "AUTHORISED", "LineAmountTypes": "Exclusive", "LineItems": lines,
        "SubTotal": total, "TotalTax": Decimal("0.00"), "Total": total, "AmountDue": total - paid, "AmountPaid": paid,
        "AmountCredited": Decimal("0.00"), "CurrencyCode": "GBP", "CurrencyRate": Decimal("1.000000"),
        "FullyPaidOnDate": wcf(paid_on) if paid_on else None, "Payments": payments, "HasAttachments": False,
        "IsDiscounted": False, "HasErrors": False,
        "UpdatedDateUTC": wcf(datetime.combine(changed, time(9, 30), tzinfo=UTC)),
    }
