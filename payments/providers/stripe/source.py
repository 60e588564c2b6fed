"""The ActivitySource bound to one Stripe connection: balance, balance transactions (with the
charge, refund or dispute behind each expanded), payouts with the balance transactions each
settled, disputes. Read newest first with Stripe's cursor paging; incremental by `created`.

Windows: balance transactions and payouts are re-read from OVERLAP_DAYS before where the last
read reached, because a recent one still changes (pending -> available, in_transit -> paid);
disputes from DISPUTE_DAYS before, because a dispute is decided weeks after it opens. A payout's
contents (GET /v1/balance_transactions?payout=po_...) are read until the payout is final (paid,
failed, canceled), then remembered in the state and never read again."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from integrations_core.providers.errors import ConsentExpired, ProviderAuthError, ProviderError, ScopeMissing
from integrations_core.records import PaymentsActivity

from . import mapper
from .client import StripeApiClient

OVERLAP_DAYS = 7
DISPUTE_DAYS = 120
FINAL_PAYOUT = frozenset({"paid", "failed", "canceled"})
REMEMBERED_PAYOUTS = 500  # payouts whose contents were read for good (about two years of dailies)


class StripeSource:
    def __init__(self, client: StripeApiClient) -> None:
        self.client = client

    @property
    def calls(self) -> int:
        return self.client.calls

    def fetch_activity(self, *, since: datetime | None, state: dict) -> PaymentsActivity:
        now = timezone.now()
        window_from = since - timedelta(days=OVERLAP_DAYS) if since is not None else None
        created_gte = int(window_from.timestamp()) if window_from is not None else None
        accounts, balances = mapper.balances(self.client.balance())
        transactions = {r.external_id: r for r in map(mapper.balance_transaction,
                                                    self.client.balance_transactions(created_gte=created_gte))}
        read = list(state.get("payouts_read") or [])
        done = set(read)
        payouts = []
        for item in self.client.payouts(created_gte=created_gte):
            record = mapper.payout(item)
            contents: tuple[str, ...] = ()
            if record.external_id not in done:
                inside = [mapper.balance_transaction(bt) for bt in
                          self.client.balance_transactions(payout=record.external_id)]
                # The payout's own movement is listed too; its contents are the others.
                contents = tuple(r.external_id for r in inside if r.source_id != record.external_id)
                transactions.update({r.external_id: r for r in inside if r.external_id not in transactions})
                if record.status in FINAL_PAYOUT:
                    read.append(record.external_id)
            payouts.append(mapper.payout(item, contents) if contents else record)
        disputes, disputes_error = [], None
        dispute_from = (since - timedelta(days=DISPUTE_DAYS)) if since is not None else None
        try:
            disputes = [mapper.dispute(d) for d in self.client.disputes(
                created_gte=int(dispute_from.timestamp()) if dispute_from is not None else None)]
        except ScopeMissing as exc:
            disputes_error = exc  # a key without rak_dispute_read: the rest is still good
        except (ConsentExpired, ProviderAuthError):
            raise
        except ProviderError as exc:
            if not exc.transient:
                raise
            disputes_error = exc
        return PaymentsActivity(
            accounts=accounts, balances=balances, balance_transactions=list(transactions.values()), payouts=payouts,
            disputes=disputes, window_from=window_from, window_to=now,
            state={"payouts_read": read[-REMEMBERED_PAYOUTS:]}, disputes_error=disputes_error)
