"""The business persona's Stripe book (sandbox/business/persona.py) as Stripe's API objects:
the JSON shapes of docs.stripe.com/api (balance, balance_transaction with an expandable source,
charge, refund, dispute, payout), amounts in Stripe's minor units, times as Unix seconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sandbox.business.persona import BusinessBook, StripeBalanceTransaction

# Stripe's minor units (docs.stripe.com/currencies): zero-decimal and three-decimal lists.
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                          "VUV", "XAF", "XOF", "XPF"})
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def minor(amount: Decimal, currency: str) -> int:
    code = currency.upper()
    places = 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2
    return int(amount.scaleb(places).to_integral_value())


def stamp(value: datetime | date) -> int:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0), UTC)
    return int(value.timestamp())


def _fee_details(details, currency: str) -> list[dict]:
    return [{"amount": minor(amount, currency), "application": None, "currency": currency.lower(),
             "description": description, "type": kind} for kind, amount, description in details]


class StripeObjects:
    """Index of one book by id, rendering each object on demand."""

    def __init__(self, book: BusinessBook) -> None:
        self.book = book
        stripe = book.stripe
        self.charges = {c.id: c for c in stripe.charges}
        self.refunds = {r.id: r for r in stripe.refunds}
        self.disputes = {d.id: d for d in stripe.disputes}
        self.payouts = {p.id: p for p in stripe.payouts}
        self.transactions = {t.id: t for t in stripe.balance_transactions}
        self.invoice_of = {i.charge_id: i.number for i in book.invoices if i.charge_id}
        self.account_id = "acct_1" + book.username.encode().hex()[:15].ljust(15, "0")

    def balance(self) -> dict[str, Any]:
        parts: dict[str, list] = {"available": [], "pending": []}
        for currency, (available, pending) in sorted(self.book.stripe.balances.items()):
            for part, value in (("available", available), ("pending", pending)):
                parts[part].append({"amount": minor(value, currency), "currency": currency.lower(),
                                    "source_types": {"card": minor(value, currency)}})
        return {"object": "balance", "livemode": False, **parts}

    def charge(self, charge_id: str) -> dict[str, Any]:
        c = self.charges[charge_id]
        refunded = minor(c.amount, c.currency) if c.refunded else 0
        metadata = {}
        number = c.invoice_number or self.invoice_of.get(c.id, "")
        if number:
            metadata["invoice_number"] = number
        return {
            "id": c.id, "object": "charge", "amount": minor(c.amount, c.currency),
            "amount_captured": minor(c.amount, c.currency), "amount_refunded": refunded,
            "balance_transaction": c.balance_transaction_id,
            "billing_details": {"address": None, "email": c.customer.email, "name": c.customer.name, "phone": None},
            "calculated_statement_descriptor": self.book.business_name.upper()[:22], "captured": True,
            "created": stamp(c.created), "currency": c.currency.lower(), "customer": None,
            "description": c.description, "disputed": c.disputed, "livemode": False, "metadata": metadata,
            "paid": True, "payment_method_details": {"card": {"brand": c.card_brand, "country": c.card_country,
                                                              "last4": c.last4}, "type": "card"},
            "refunded": c.refunded, "status": "succeeded",
        }

    def refund(self, refund_id: str) -> dict[str, Any]:
        r = self.refunds[refund_id]
        return {"id": r.id, "object": "refund", "amount": minor(r.amount, r.currency),
                "balance_transaction": r.balance_transaction_id, "charge": r.charge_id, "created": stamp(r.created),
                "currency": r.currency.lower(), "metadata": {}, "reason": "requested_by_customer",
                "status": "succeeded"}

    def dispute(self, dispute_id: str, *, today: date) -> dict[str, Any]:
        d = self.disputes[dispute_id]
        return {
            "id": d.id, "object": "dispute", "amount": minor(d.amount, d.currency),
            "balance_transactions": [self.balance_transaction(t) for t in d.balance_transaction_ids
                                     if t in self.transactions],
            "charge": d.charge_id, "created": stamp(d.created), "currency": d.currency.lower(),
            "evidence": {}, "evidence_details": {"due_by": stamp(d.evidence_due_by), "has_evidence": False,
                                                 "past_due": d.evidence_due_by.date() < today,
                                                 "submission_count": 0},
            "is_charge_refundable": False, "livemode": False, "metadata": {}, "reason": d.reason,
            "status": d.status,
        }

    def payout(self, payout_id: str) -> dict[str, Any]:
        p = self.payouts[payout_id]
        return {
            "id": p.id, "object": "payout", "amount": minor(p.amount, p.currency),
            "arrival_date": stamp(p.arrival_date), "automatic": True, "balance_transaction": p.balance_transaction_id,
            "created": stamp(p.created), "currency": p.currency.lower(), "description": "STRIPE PAYOUT",
            "destination": "ba_1" + p.destination_last4.rjust(23, "0"), "failure_balance_transaction": None,
            "failure_code": None, "failure_message": None, "livemode": False, "metadata": {}, "method": "standard",
            "source_type": "card", "statement_descriptor": p.descriptor, "status": p.status, "type": "bank_account",
        }

    def source(self, source_id: str, *, today: date) -> dict[str, Any] | str:
        if source_id in self.charges:
            return self.charge(source_id)
        if source_id in self.refunds:
            return self.refund(source_id)
        if source_id in self.payouts:
            return self.payout(source_id)
        if source_id in self.disputes:
            return self.dispute(source_id, today=today)
        return source_id

    def balance_transaction(self, txn: StripeBalanceTransaction | str, *, expand_source: bool = False,
                            today: date | None = None) -> dict[str, Any]:
        t = self.transactions[txn] if isinstance(txn, str) else txn
        today = today or self.book.today
        return {
            "id": t.id, "object": "balance_transaction", "amount": minor(t.amount, t.currency),
            "available_on": stamp(t.available_on), "created": stamp(t.created), "currency": t.currency.lower(),
            "description": t.description, "exchange_rate": float(t.exchange_rate) if t.exchange_rate else None,
            "fee": minor(t.fee, t.currency), "fee_details": _fee_details(t.fee_details, t.currency),
            "net": minor(t.net, t.currency), "reporting_category": t.reporting_category,
            "source": self.source(t.source_id, today=today) if expand_source else t.source_id,
            "status": t.status(today), "type": t.type,
        }
