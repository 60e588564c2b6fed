"""Records (the dataclasses of records.py and providers/sources.py) to JSON values and back,
exactly: Decimal as a string ("0.00012345" stays that), dates and datetimes in ISO 8601. Used to
keep a parsed statement between its preview and its confirmation."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any


def records_dump(value: Any) -> Any:
    """A JSON-serialisable copy of a record (or a list/dict of them)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: records_dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | frozenset | set):
        return [records_dump(item) for item in value]
    if isinstance(value, dict):
        return {str(k): records_dump(v) for k, v in value.items()}
    return value


def records_load(cls: type, data: Any) -> Any:
    """Rebuild an instance of the dataclass `cls` from `records_dump` output."""
    return _load(cls, data)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _load(hint: Any, data: Any) -> Any:
    if data is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _load(options[0], data) if len(options) == 1 else data
    if origin in (list, tuple, frozenset, set):
        (item,) = typing.get_args(hint)[:1] or (Any,)
        return origin(_load(item, value) for value in data)
    if origin is dict or hint is Any:
        return data
    if dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        names = {f.name for f in dataclasses.fields(hint) if f.init}
        return hint(**{name: _load(hints[name], value) for name, value in data.items() if name in names})
    if hint is Decimal:
        return Decimal(data)
    if hint is datetime:
        return datetime.fromisoformat(data)
    if hint is date:
        return date.fromisoformat(data)
    return data
