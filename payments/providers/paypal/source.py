"""The PayPal source bound to one connection (an ActivitySource): balances, the Transaction Search
rows of every window not read yet, and the disputes changed since.

Windows. Transaction Search answers at most 31 days per request, and a transaction can take up to
3 hours to appear in it (PayPal's documented lag; each answer also says how fresh its data is in
`last_refreshed_datetime`). So a read covers [start, end) with
  end   = min(now - 3 hours, the freshest last_refreshed_datetime PayPal reported),
  start = where the last read reached - OVERLAP (a pending eCheck settles, a late row appears:
          reading a few days again costs one request and the writer keys rows by their id),
          or now - HISTORY_DAYS on the first read,
split into windows of at most 31 days, each paged (page_size 500, page/total_pages). The mark
never moves past now - 3 hours. Progress is kept in `state` ({"reached": ISO time}); a first
read of a long history stops after MAX_WINDOWS windows (and, after a rate limit, after the windows
it finished) and the next sync goes on from there (`state["behind"]` says so)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderError,
    RateLimited,
    RequestRejected,
)
from integrations_core.records import PaymentsActivity

from . import mapper
from .client import PAGE_SIZE, PayPalClient

logger = logging.getLogger(__name__)

LAG = timedelta(hours=3)
MAX_WINDOW = timedelta(days=31)
OVERLAP = timedelta(days=3)
HISTORY_DAYS = 3 * 365  # Transaction Search keeps three years
MAX_WINDOWS = 40  # a first read of the whole history fits in one sync
MIN_WINDOW = timedelta(hours=1)  # a busier hour than PayPal answers in one query is not halved again
MAX_PAGES = 200  # 100,000 rows in one window: PayPal refuses more (RESULTSET_TOO_LARGE) long before


def windows(start: datetime, end: datetime, *, size: timedelta = MAX_WINDOW) -> list[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive windows of at most `size`, oldest first."""
    found = []
    while start < end:
        stop = min(start + size, end)
        found.append((start, stop))
        start = stop
    return found


def distinct_ids(records: list) -> list:
    """Transaction Search's transaction_id is not unique: one id can come back on rows of
    different event codes (a payment and the fee or hold PayPal files under it). Rows are keyed by
    id per currency, so a second row of an id would overwrite the first: of the rows sharing an id
    and a currency, the one whose event code sorts first keeps the bare id (what disputes and
    payouts name), the others are keyed "<id>:<event code>" - the same answer on every read."""
    groups: dict[tuple[str, str], list] = {}
    for record in records:
        groups.setdefault((record.external_id, record.currency), []).append(record)
    out = []
    for record in records:
        group = groups[(record.external_id, record.currency)]
        if len(group) == 1:
            out.append(record)
            continue
        first_code = min(r.reporting_category for r in group)
        if record.reporting_category == first_code:
            out.append(record)
        else:
            out.append(replace(record, external_id=f"{record.external_id}:{record.reporting_category}"))
    # Two rows of one id *and* one event code are the same row read twice (overlapping windows).
    seen, unique = set(), []
    for record in out:
        key = (record.external_id, record.currency)
        if key not in seen:
            seen.add(key)
            unique.append(record)
    return unique


class PayPalSource:
    def __init__(self, client: PayPalClient) -> None:
        self.client = client

    @property
    def calls(self) -> int:
        return self.client.calls

    def _setting(self, name: str, default):
        return getattr(settings, name, default)

    def read_start(self, *, since: datetime | None, state: dict, now: datetime) -> datetime:
        reached = parse_datetime(state["reached"]) if isinstance(state.get("reached"), str) else None
        mark = reached or since
        if mark is None:
            return now - timedelta(days=int(self._setting("PAYPAL_HISTORY_DAYS", HISTORY_DAYS)))
        if state.get("behind"):
            return mark  # a history still being read goes on where it stopped; the overlap is for fresh rows
        return mark - OVERLAP

    def fetch_activity(self, *, since: datetime | None, state: dict) -> PaymentsActivity:
        now = timezone.now()
        today = timezone.localdate(now)
        accounts, balances, account_id = mapper.balances(self.client.balances())
        start = self.read_start(since=since, state=state, now=now)
        end = now - LAG
        max_windows = int(self._setting("PAYPAL_MAX_WINDOWS_PER_SYNC", MAX_WINDOWS))
        planned = windows(start, end)
        todo, behind = planned[:max_windows], len(planned) > max_windows
        records, payouts, skipped = [], [], 0
        reached: datetime | None = None
        for window_start, window_end in todo:
            try:
                page_records, page_payouts, page_skipped, fresh = self._read_window(window_start, window_end,
                                                                                     today=today)
            except RateLimited:
                if reached is None:
                    raise
                logger.info("paypal rate limited after some windows; the next sync goes on from them")
                behind = True
                break
            records += page_records
            payouts += page_payouts
            skipped += page_skipped
            # PayPal's data may be older than we asked for: never mark past what it had.
            reached = min(window_end, fresh) if fresh is not None else window_end
            if fresh is not None and fresh < window_end:
                break
        records = distinct_ids(records)
        disputes, disputes_error = [], None
        try:
            disputes = self._disputes(update_time_after=None if since is None and not state.get("reached")
                                      else start)
        except ConsentExpired:
            raise
        except ProviderError as exc:
            logger.info("paypal disputes not read code=%s", exc.code)
            disputes_error = exc
        known = {a.external_id for a in accounts}
        for currency in sorted({r.currency for r in records} | {d.currency for d in disputes}):
            account = mapper.account_for(currency)
            if account.external_id not in known:
                accounts.append(account)
                known.add(account.external_id)
        previous = parse_datetime(state["reached"]) if isinstance(state.get("reached"), str) else since
        mark = reached or previous
        new_state = {"reached": mark.isoformat() if mark else None, "behind": behind, "account_id": account_id,
                     "skipped": skipped}
        return PaymentsActivity(accounts=accounts, balances=balances, balance_transactions=records, payouts=payouts,
                                disputes=disputes, window_from=todo[0][0] if todo else None, window_to=mark,
                                state=new_state, disputes_error=disputes_error)

    def _read_window(self, start: datetime, end: datetime, *, today):
        """Every page of one window. PayPal answers at most 10,000 rows for one query and refuses
        a busier window with RESULTSET_TOO_LARGE: such a window is read again as two halves."""
        try:
            return self._read_pages(start, end, today=today)
        except RequestRejected as exc:
            if exc.provider_code != "RESULTSET_TOO_LARGE" or end - start <= MIN_WINDOW:
                raise
        middle = start + (end - start) / 2
        first = self._read_window(start, middle, today=today)
        second = self._read_window(middle, end, today=today)
        fresh = [f for f in (first[3], second[3]) if f is not None]
        return first[0] + second[0], first[1] + second[1], first[2] + second[2], min(fresh) if fresh else None

    def _read_pages(self, start: datetime, end: datetime, *, today):
        records, payouts, skipped = [], [], 0
        fresh: datetime | None = None
        page, total_pages = 1, 1
        while page <= total_pages:
            body = self.client.transactions_page(start, end, page,
                                                 page_size=int(self._setting("PAYPAL_PAGE_SIZE", PAGE_SIZE)))
            mapped = mapper.transactions_page(body, today=today)
            records += mapped.balance_transactions
            payouts += mapped.payouts
            skipped += mapped.skipped
            refreshed = mapper.parse_time(body.get("last_refreshed_datetime"))
            if refreshed is not None:
                fresh = refreshed if fresh is None else min(fresh, refreshed)
            try:
                total_pages = int(body.get("total_pages") or 1)
            except (TypeError, ValueError):
                raise BadProviderResponse("PayPal sent an unreadable total_pages") from None
            if total_pages > MAX_PAGES:
                raise BadProviderResponse("PayPal's window has more pages than we read in one sync")
            page += 1
        return records, payouts, skipped, fresh

    def _disputes(self, *, update_time_after: datetime | None):
        found = []
        for item in self.client.disputes(update_time_after=update_time_after):
            # The list leaves out the response deadline and the disputed transaction.
            detail = self.client.dispute(str(item.get("dispute_id") or "")) if item.get("dispute_id") else item
            found.append(mapper.dispute({**item, **detail}))
        return found
