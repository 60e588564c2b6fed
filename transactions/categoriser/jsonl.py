"""The JSON-lines format of `manage.py categorise`, and a bulk runner that spreads batches over
processes. Pure Python (no ORM), so worker processes never touch the database."""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from .answers import TxInput
from .pipeline import Categoriser

CURRENCY_LENGTH = 3


class BadLine(ValueError):
    pass


def _text(obj: dict, name: str, required: bool = False) -> str:
    value = obj.get(name)
    if value is None or value == "":
        if required:
            raise BadLine(f"missing {name}")
        return ""
    if isinstance(value, list):  # TrueLayer's transaction_classification is a list
        return "/".join(str(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool) and name == "mcc":
        return f"{value:04d}"
    if not isinstance(value, str):
        raise BadLine(f"{name} must be a string")
    return value


def parse_line(line: str) -> tuple[TxInput, object]:
    """(the transaction, the caller's `id` or None). Raises BadLine with a message for the user."""
    if not line.strip():
        raise BadLine("empty line")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not JSON: {exc.msg}") from None
    except RecursionError:
        raise BadLine("line is nested too deeply") from None
    if not isinstance(obj, dict):
        raise BadLine("each line must be a JSON object")
    raw_amount = obj.get("amount")
    if raw_amount is None or isinstance(raw_amount, bool) or isinstance(raw_amount, dict | list):
        raise BadLine("missing amount" if raw_amount is None else "amount must be a signed decimal string")
    try:
        # A JSON number is read through its text, so 12.1 stays 12.1: money never goes through a float.
        amount = Decimal(str(raw_amount).strip())
    except InvalidOperation:
        raise BadLine(f"amount is not a number: {raw_amount!r}") from None
    if not amount.is_finite():
        raise BadLine("amount must be a finite number")
    currency = _text(obj, "currency", required=True).upper()
    if len(currency) != CURRENCY_LENGTH or not currency.isalpha():
        raise BadLine(f"currency must be an ISO 4217 code such as GBP, not {currency!r}")
    item = TxInput(description=_text(obj, "description", required=True), amount=amount, currency=currency,
                   merchant_name=_text(obj, "merchant_name"), mcc=_text(obj, "mcc"),
                   transaction_type=_text(obj, "transaction_type"), provider_category=_text(obj, "provider_category"))
    return item, obj.get("id")


def categorise_lines(categoriser: Categoriser, lines: list[str]) -> str:
    """One output line per input line, same order, joined with newlines (with a trailing one)."""
    outputs: list[dict | None] = [None] * len(lines)
    ids: list[object] = [None] * len(lines)
    good: list[tuple[int, TxInput]] = []
    for i, line in enumerate(lines):
        try:
            item, ids[i] = parse_line(line)
            good.append((i, item))
        except BadLine as exc:
            outputs[i] = {"error": str(exc)}
    for (i, _), result in zip(good, categoriser.categorise_many([item for _, item in good]), strict=True):
        outputs[i] = result.as_dict()
    text = []
    for line_id, out in zip(ids, outputs, strict=True):
        text.append(json.dumps(out if line_id is None else {"id": line_id, **out}, ensure_ascii=False))
    return "\n".join(text) + "\n"


def _batches(lines: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line.rstrip("\r\n"))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# Set in the parent before the pool forks, so every worker inherits the categoriser (and its
# model) without pickling it.
_worker_categoriser: Categoriser | None = None


def _worker(batch: list[str]) -> str:
    return categorise_lines(_worker_categoriser, batch)


def categorise_stream(categoriser: Categoriser, lines: Iterable[str], *, batch_size: int = 20_000,
                      workers: int = 1) -> Iterator[str]:
    """Yield output text batch by batch, in input order. With workers > 1 the batches are spread
    over forked processes (the pipeline is CPU-bound pure Python, so threads would not help)."""
    global _worker_categoriser
    batches = _batches(lines, max(1, batch_size))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for batch in batches:
            yield categorise_lines(categoriser, batch)
        return
    _worker_categoriser = categoriser
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_worker, batches)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
