"""The little of QuickBooks' query language the mock needs:

    select * from <Entity> [where <cond> [and <cond>]...] [orderby <field> [asc|desc]]
        [startposition <n>] [maxresults <m>]

with conditions `<field> = 'v'`, `<field> in ('a', 'b')` and `<field> >|>=|<|<= 'v'` on dotted
fields (MetaData.LastUpdatedTime, TxnDate, DocNumber, Id, Active). Keywords are case-insensitive,
values single-quoted (\\' escapes a quote), startposition 1-based, maxresults at most 1000, as
the real endpoint has them. Anything else is a QueryParserError, answered as Intuit does (400
with code 4000)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_RESULTS = 1000
_STATEMENT = re.compile(
    r"^\s*select\s+\*\s+from\s+(?P<entity>\w+)"
    r"(?:\s+where\s+(?P<where>.+?))?"
    r"(?:\s+orderby\s+(?P<order>[\w.]+)(?:\s+(?P<direction>asc|desc))?)?"
    r"(?:\s+startposition\s+(?P<start>\d+))?"
    r"(?:\s+maxresults\s+(?P<max>\d+))?\s*$", re.IGNORECASE | re.DOTALL)
_VALUE = r"'(?:[^'\\]|\\.)*'"
_CONDITION = re.compile(rf"^\s*(?P<field>[\w.]+)\s*(?P<op>>=|<=|=|>|<|\bin\b)\s*(?P<value>{_VALUE}|\((?:\s*{_VALUE}\s*,?)+\))\s*$",
                        re.IGNORECASE)


class QueryParserError(ValueError):
    pass


@dataclass
class Query:
    entity: str
    conditions: list[tuple[str, str, list[str]]] = field(default_factory=list)
    order: str = ""
    descending: bool = False
    start: int = 1
    max_results: int = 100


def _unquote(text: str) -> str:
    return text[1:-1].replace("\\'", "'")


def parse(statement: str) -> Query:
    match = _STATEMENT.match(statement or "")
    if not match:
        raise QueryParserError(f"Error parsing query: {statement[:100]!r}")
    query = Query(entity=match["entity"])
    if match["where"]:
        for part in re.split(r"\s+and\s+", match["where"], flags=re.IGNORECASE):
            condition = _CONDITION.match(part)
            if not condition:
                raise QueryParserError(f"Error parsing condition: {part[:100]!r}")
            raw = condition["value"]
            values = [_unquote(v) for v in re.findall(_VALUE, raw)]
            query.conditions.append((condition["field"], condition["op"].lower(), values))
    query.order = match["order"] or ""
    query.descending = (match["direction"] or "").lower() == "desc"
    query.start = int(match["start"] or 1)
    query.max_results = int(match["max"] or 100)
    if query.start < 1 or not 1 <= query.max_results <= MAX_RESULTS:
        raise QueryParserError("startposition must be 1 or more and maxresults 1 to 1000")
    return query


def _get(item: dict[str, Any], dotted: str) -> Any:
    value: Any = item
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def _comparable(value: Any) -> Any:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text


def _holds(item: dict[str, Any], condition: tuple[str, str, list[str]]) -> bool:
    name, op, values = condition
    value = _get(item, name)
    if value is None:
        return False
    if op == "in":
        return str(value) in values
    left, right = _comparable(value), _comparable(values[0])
    try:
        return {"=": left == right, ">": left > right, ">=": left >= right, "<": left < right,
                "<=": left <= right}[op]
    except TypeError:  # a date against text: not comparable, as Intuit refuses it
        return False


def run(query: Query, items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The page asked for and how many rows matched in all."""
    matched = [item for item in items if all(_holds(item, c) for c in query.conditions)]
    if query.order:
        matched.sort(key=lambda item: _comparable(_get(item, query.order) or ""), reverse=query.descending)
    return matched[query.start - 1: query.start - 1 + query.max_results], len(matched)
