"""Xero: client, mapper, source (see provider.py)."""
