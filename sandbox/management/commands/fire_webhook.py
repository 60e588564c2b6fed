"""Make the mock Plaid send a signed webhook to the app, as Plaid would:

    manage.py fire_webhook SYNC_UPDATES_AVAILABLE --item ITEM_ID
    manage.py fire_webhook ITEM_LOGIN_REQUIRED --user someone@example.com
    manage.py fire_webhook PENDING_EXPIRATION --all
    manage.py fire_webhook HOLDINGS --item ITEM_ID --stale   (signed 10 minutes ago: refused)

The webhook goes to the URL the Item was linked with (the app's /integrations/plaid/webhook/),
signed with the mock's ES256 key (its Plaid-Verification JWT). Items are the mock's own
(sandbox.PlaidItem); `--user` finds them through the person's Plaid bank connections."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from sandbox.models import PlaidItem
from sandbox.plaid.views import FIREABLE, webhook_fire


class Command(BaseCommand):
    help = "Send a signed Plaid webhook from the mock Plaid to the app."

    def add_arguments(self, parser):
        parser.add_argument("webhook", choices=sorted(FIREABLE), help="which webhook to fire")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--item", help="the mock Item's item_id")
        target.add_argument("--user", help="e-mail or username: every live Item of that person's Plaid connections")
        target.add_argument("--all", action="store_true", help="every live Item")
        parser.add_argument("--stale", action="store_true",
                            help="sign it 10 minutes in the past (the app must refuse it: older than 5 minutes)")

    def handle(self, *args, webhook: str, item: str | None, user: str | None, all: bool, stale: bool, **options):
        items = PlaidItem.objects.filter(removed_at__isnull=True)
        if item:
            items = items.filter(item_id=item)
        elif user:
            from django.apps import apps

            person = get_user_model().objects.filter(Q(email__iexact=user) | Q(username=user)).first()
            if person is None:
                raise CommandError(f"No user {user!r}")
            # The app's Plaid connections name their Items (external_id); looked up by model
            # label so the sandbox does not import the banking family.
            connections = apps.get_model("open_banking", "BankConnection").objects.filter(user=person, provider="plaid")
            items = items.filter(item_id__in=list(connections.values_list("external_id", flat=True)))
        items = list(items)
        if not items:
            raise CommandError("No live mock Plaid Item matches")
        iat = time.time() - 600 if stale else None
        for target in items:
            status = webhook_fire(target, webhook, iat=iat)
            shown = "not delivered (no webhook URL, or the app is unreachable)" if status is None else f"HTTP {status}"
            self.stdout.write(f"{webhook} -> item {target.item_id}: {shown}")
