"""Read-only queries (the only place non-trivial queries are built)."""
