import pytest
from django.core.cache import cache

from investments import performance


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached figures are per person id, and ids repeat between tests: start empty."""
    cache.clear()
    performance._LAST.clear()
    yield
    cache.clear()
    performance._LAST.clear()
