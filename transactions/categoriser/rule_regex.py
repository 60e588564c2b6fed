"""Users' regular-expression rules, compiled and matched with RE2 (google-re2).

Python's `re` backtracks: a pattern such as `^([\\w ]|[\\w ])*!$` takes exponential time on a
long description (160 s for one rule preview), and rules run inside every sync. RE2 matches in
time linear in the text whatever the pattern, by leaving out what needs backtracking
(backreferences such as `\\1`, lookarounds such as `(?=...)`); a pattern using them does not
compile, and the API refuses it with a field error when the rule is created or changed.

The one place rules are compiled: the API's validation and the pipeline's matching both call
`compile_rule_pattern`, so a pattern accepted is a pattern that runs. Pure Python, no ORM."""

from __future__ import annotations

import re2

MAX_PATTERN_LENGTH = 200  # CategoryRule.pattern's max_length
# Memory RE2 may use per pattern (program and matching caches); a pattern needing more is refused
# at compile time ("pattern too large"). Beside a few hundred rules this stays small.
MAX_PATTERN_MEMORY = 2 << 20


class RulePatternError(ValueError):
    """A pattern RE2 cannot run; the message is for the person who wrote it."""


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False  # rules compare case-insensitively
    options.max_mem = MAX_PATTERN_MEMORY
    options.log_errors = False  # errors are reported to the caller, not to stderr
    return options


_OPTIONS = _options()


def compile_rule_pattern(pattern: str):
    """The compiled pattern (case-insensitive, linear-time search), or RulePatternError."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RulePatternError(f"Use at most {MAX_PATTERN_LENGTH} characters.")
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else ""
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        if "\\Z" in pattern and "\\Z" in reason:
            reason += " (use $ or \\z for the end of the text)"
        raise RulePatternError(
            f"Not a regular expression rules can use: {reason or 'it does not compile'}. Rules use RE2 syntax: "
            "no backreferences (\\1) or lookarounds ((?=...), (?<!...)).") from None
