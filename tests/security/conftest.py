import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clear_cache():
    """allauth's rate limits (one confirmation e-mail per address per 3 minutes) live in the cache."""
    cache.clear()
    yield
    cache.clear()
