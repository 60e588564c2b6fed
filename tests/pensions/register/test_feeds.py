"""A real register feed replaces the shipped file by registering under a slug."""

from __future__ import annotations

import pytest

from pensions.models import PensionScheme
from pensions.register.feeds import register_feed_add, register_feed_get, register_feed_remove
from pensions.register.services import register_refresh


class FakeFeed:
    slug = "partner"
    name = "Partner feed"

    def __init__(self, entries):
        self.entries = entries

    def fetch(self):
        return self.entries


@pytest.fixture
def partner_feed(entry):
    feed = FakeFeed([entry()])
    register_feed_add(feed)
    yield feed
    register_feed_remove(feed.slug)


def test_the_default_feed_is_the_shipped_file(settings):
    assert register_feed_get().slug == "shipped"


def test_a_configured_feed_is_used_for_refresh(db, settings, partner_feed):
    settings.PENSION_REGISTER_FEED = "partner"
    report = register_refresh()
    assert report.feed == "partner" and report.created == ["acme-pension-plan"]
    assert PensionScheme.objects.get().feed == "partner"


def test_something_that_is_not_a_feed_is_refused():
    with pytest.raises(TypeError):
        register_feed_add(object())
