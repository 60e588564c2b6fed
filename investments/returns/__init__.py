"""Time- and money-weighted returns over daily values built from stored trades and prices.

Pure functions over plain data (no queries): `series.py` builds the daily values and flows,
`measures.py` measures them, `periods.py` says which days a period covers. The queries and the
cache live in investments/performance.py; the conventions are in docs/returns.md."""
