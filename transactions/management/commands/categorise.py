"""Bulk categorisation for scripts and evaluation: JSON lines in, JSON lines out, same order.

    python manage.py categorise < in.jsonl > out.jsonl

In: {"description", "amount" (signed string, negative = money out), "currency", and optionally
"merchant_name", "mcc", "transaction_type", "provider_category", "id"}. Out: {"category" (primary),
"detailed", "confidence" (0-1), "source", "reason", "merchant", "refund"}, echoing "id" when given.
A line that cannot be read gets {"error": "..."} in its place; the rest carry on.

No database is needed for the dictionary, MCC, provider-category and default steps: on a checkout
that has not run `manage.py migrate` (or whose database is down) the command says so on stderr
and categorises without the trained model. `--user` needs the database (the user's rules and
corrections live there) and stops with a message instead.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

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
        if options.get("user"):
            try:
                return self._user_categoriser(options)
            except DatabaseError as exc:
                raise CommandError(
                    f"--user needs the database, which could not be read ({_first_line(exc)}). On a new checkout, "
                    "run `python manage.py migrate` first; or leave out --user to categorise without your rules "
                    "and corrections."
                ) from None
        if options["no_model"]:
            return Categoriser(model=None)
        from transactions.services.categorisation import categoriser_model_current

        try:
            model = categoriser_model_current()
        except DatabaseError as exc:
            # The model is the only thing read from the database without --user: carry on
            # without it (dictionary, MCC, provider category) rather than end in a traceback.
            self.stderr.write(f"No trained model: could not read the database ({_first_line(exc)}). Categorising "
                              "without it (dictionary, MCC and provider steps); on a new checkout, run "
                              "`python manage.py migrate` first.")
            model = None
        return Categoriser(model=model)

    def _user_categoriser(self, options) -> Categoriser:
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        from transactions.services.categorisation import categoriser_for_user

        user = get_user_model().objects.filter(Q(email=options["user"]) | Q(username=options["user"])).first()
        if user is None:
            raise CommandError(f"no such user: {options['user']}")
        categoriser = categoriser_for_user(user)
        if options["no_model"]:
            categoriser.model = None
        return categoriser

    def handle(self, *args, **options):
        categoriser = self._categoriser(options)
        # Forked workers only run the pure pipeline and leave through os._exit, so they never use
        # or close the parent's database connection.
        workers = options["workers"] or default_workers()
        for text in categorise_stream(categoriser, options.get("stdin") or sys.stdin,
                                      batch_size=options["batch_size"], workers=workers):
            self.stdout.write(text, ending="")


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
