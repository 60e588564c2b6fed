"""Bulk categorisation for scripts and evaluation: JSON lines in, JSON lines out, same order.

    python manage.py categorise < in.jsonl > out.jsonl

In: {"description", "amount" (signed string, negative = money out), "currency", and optionally
"merchant_name", "mcc", "transaction_type", "provider_category", "id"}. Out: {"category" (primary),
"detailed", "confidence" (0-1), "source", "reason", "merchant", "refund"}, echoing "id" when given.
A line that cannot be read gets {"error": "..."} in its place; the rest carry on.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from transactions.categoriser.jsonl import categorise_stream, default_workers
from transactions.categoriser.pipeline import Categoriser


class Command(BaseCommand):
    help = "Categorise JSON lines from stdin to stdout (one object per line, same order)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=20_000)
        parser.add_argument("--workers", type=int, default=1,
                            help="Processes to spread batches over; 0 means one per CPU.")
        parser.add_argument("--no-model", action="store_true", help="Skip the statistical model (step 6).")
        parser.add_argument("--user", help="Also apply this user's rules and corrections (email or username).")

    def _categoriser(self, options) -> Categoriser:
        from transactions.services.categorisation import categoriser_for_user, categoriser_model_current

        if options.get("user"):
            from django.contrib.auth import get_user_model
            from django.db.models import Q

            user = get_user_model().objects.filter(Q(email=options["user"]) | Q(username=options["user"])).first()
            if user is None:
                raise CommandError(f"no such user: {options['user']}")
            categoriser = categoriser_for_user(user)
            if options["no_model"]:
                categoriser.model = None
            return categoriser
        return Categoriser(model=None if options["no_model"] else categoriser_model_current())

    def handle(self, *args, **options):
        categoriser = self._categoriser(options)
        # Forked workers only run the pure pipeline and leave through os._exit, so they never use
        # or close the parent's database connection.
        workers = options["workers"] or default_workers()
        for text in categorise_stream(categoriser, options.get("stdin") or sys.stdin,
                                      batch_size=options["batch_size"], workers=workers):
            self.stdout.write(text, ending="")
