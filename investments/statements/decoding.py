"""Bytes to text for statement files: the encoding is sniffed, never assumed.

UTF-8 (with or without a BOM) first, UTF-16 when it says so with a BOM, then windows-1252 (what
Hargreaves Lansdown and Excel on Windows write). A file with NUL bytes or many control characters
is not a text file at all (a PDF, a spreadsheet, a picture) and is refused."""

from __future__ import annotations

import codecs

_CONTROL_OK = frozenset("\t\n\r\f\v")


class NotText(ValueError):
    """The bytes are not a text file (the message says so to the person)."""


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name). Raises NotText for binary content."""
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = data.decode("utf-16", errors="replace"), "utf-16"
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            # windows-1252 leaves five bytes undefined; they only occur in binary files.
            try:
                text, encoding = data.decode("windows-1252"), "windows-1252"
            except UnicodeDecodeError:
                raise NotText("The file is not a text (CSV) file.") from None
    if looks_binary(text):
        raise NotText("The file is not a text (CSV) file.")
    return text, encoding


def looks_binary(text: str) -> bool:
    """NUL characters, or more than 1 in 100 characters (of the first 8 KB) a control code."""
    sample = text[:8192]
    if "\x00" in sample:
        return True
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in _CONTROL_OK)
    return controls * 100 > len(sample)
