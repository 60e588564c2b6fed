"""Sync hooks the transactions app plugs into the import pipeline (see SYNC_POST_IMPORT_HOOKS)."""


def categorise_after_import(*, account, data, result) -> None:
    """Categorise rows a sync just added or changed. Filled in by the categoriser."""
