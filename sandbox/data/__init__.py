"""Deterministic mock bank data: `build_book(institution_slug, username, today)`."""

from .generator import ANCHOR, build_book
from .records import AccountSnapshot, Book, CardStatement, Identity, SandboxAccount, Transaction

__all__ = ["ANCHOR", "AccountSnapshot", "Book", "CardStatement", "Identity", "SandboxAccount", "Transaction",
           "build_book"]
