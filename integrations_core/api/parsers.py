"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest.

Python's json module parses nested arrays and objects recursively, so a small body of 5,000
`[` ended in a RecursionError (a 500), and anything nested a few hundred deep still costs every
later step that walks it (validation, the error handler). Bodies nested deeper than
MAX_JSON_DEPTH are refused as a 400 `parse_error` before the json module sees them.

(DRF reads JSON bodies through `request.body`, so Django's DATA_UPLOAD_MAX_MEMORY_SIZE applies
before this parser runs; errors.handler400 answers that as a JSON 413.)"""

from __future__ import annotations

import io
import re
from itertools import accumulate

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 64
# A JSON string, escapes included; one left open runs to the end of the text. Possessive, and
# every character but a closing quote is consumable, so a match never fails once started: the
# scan is linear even on hostile text such as `"\\"\\"\\"...`.
_STRING = re.compile(r'"(?:[^"\\]|\\.?)*+(?:"|\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `text` nests arrays/objects deeper than `limit`, brackets inside strings aside.
    No recursion, and linear in the text (the regexes and the running sum run in C). Malformed
    text is left for the json module to reject."""
    if text.count("[") + text.count("{") <= limit:  # almost every body: nothing to scan
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return any(depth > limit for depth in accumulate(map(_DEPTH_CHANGE.__getitem__, brackets)))


class SafeJSONParser(JSONParser):
    """application/json with a nesting limit; otherwise DRF's JSONParser (strict: NaN and
    Infinity are still refused)."""

    max_depth = MAX_JSON_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if json_depth_exceeds(text, self.max_depth):
            raise exceptions.ParseError(f"JSON parse error - nested deeper than {self.max_depth} levels.")
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:  # unreachable under the limit above; never a 500 all the same
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
