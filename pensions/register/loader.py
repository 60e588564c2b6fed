"""Read and validate a register document (the shipped file, an operator's upload or a feed's
answer) against data/register.schema.json. Validation only: writing is services.register_upsert."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_REGISTER = DATA_DIR / "register.json"
SCHEMA_FILE = DATA_DIR / "register.schema.json"
MAX_REGISTER_BYTES = 20 * 1024 * 1024


class RegisterInvalid(Exception):
    """The document is not a register: `errors` lists each problem with where it is."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors[:5]))
        self.errors = errors


@lru_cache(maxsize=1)
def register_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _where(path) -> str:
    return "/".join(str(p) for p in path) or "(document)"


def register_validate(document: object) -> list[dict]:
    """The entries of a valid register document, else RegisterInvalid with every error."""
    validator = Draft202012Validator(register_schema())
    errors = [f"{_where(e.absolute_path)}: {e.message}"
              for e in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]
    if errors:
        raise RegisterInvalid(errors)
    seen: dict[str, int] = {}
    for index, entry in enumerate(document["entries"]):
        if entry["id"] in seen:
            errors.append(f"entries/{index}/id: {entry['id']!r} is also entry {seen[entry['id']]}")
        seen.setdefault(entry["id"], index)
    if errors:
        raise RegisterInvalid(errors)
    return document["entries"]


def register_parse(raw: bytes) -> list[dict]:
    """Bytes of a JSON register document -> its validated entries."""
    if len(raw) > MAX_REGISTER_BYTES:
        raise RegisterInvalid([f"(document): larger than {MAX_REGISTER_BYTES // (1024 * 1024)} MB"])
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegisterInvalid([f"(document): not JSON ({exc})"]) from exc
    return register_validate(document)
