"""Print the UK capital gains report for one tax year, for a person (every taxable account they
have) or for a statement file read on the spot (nothing is written):

    python manage.py cgt_report --tax-year 2024 --user alice@example.com
    python manage.py cgt_report --tax-year 2024-25 --file trades.csv --format csv
    python manage.py cgt_report --tax-year 2024 --user alice --income

--tax-year 2024 is the year from 6 April 2024 to 5 April 2025. A file is read with the generic
activities format unless --provider names another statement importer; it is taken as a GIA
unless it names a tax-free wrapper. A file with row errors prints them and exits non-zero.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from integrations_core.services.statements import StatementError, statement_parser_for
from investments.tax.export import csv_rows, money, report_dict, text_lines
from investments.tax.rules import TaxYear, TaxYearError
from investments.tax.selectors import cgt_report_for_statement, cgt_report_for_user, income_report_for_user


class Command(BaseCommand):
    help = "Print the UK capital gains report for a tax year (a person's taxable accounts, or a file)."

    def add_arguments(self, parser):
        parser.add_argument("--tax-year", required=True, help="2024 or 2024-25: the year from 6 April 2024.")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", help="Whose accounts: email or username.")
        who.add_argument("--file", help="A statement file (CSV or JSON), read without importing it.")
        parser.add_argument("--provider", default=settings.IMPORT_ACTIVITIES_PROVIDER,
                            help="The importer for --file (a statement provider's slug); default: activities.")
        parser.add_argument("--format", choices=["text", "json", "csv"], default="text")
        parser.add_argument("--income", action="store_true", help="Also print the dividend and interest report.")

    def handle(self, *args, **options):
        try:
            year = TaxYear.parse(options["tax_year"])
        except TaxYearError as exc:
            raise CommandError(str(exc)) from None
        if options["user"]:
            user = get_user_model().objects.filter(Q(email=options["user"]) | Q(username=options["user"])).first()
            if user is None:
                raise CommandError(f"no such user: {options['user']}")
            report, who = cgt_report_for_user(user, year), user.get_username()
        else:
            report, who = cgt_report_for_statement(self._parse(options), year), Path(options["file"]).name
            user = None
        if options["format"] == "json":
            self.stdout.write(json.dumps(report_dict(report), indent=2))
        elif options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerows(csv_rows(report))
        else:
            self.stdout.write("\n".join(text_lines(report, who)))
        if options["income"] and user is not None:
            self._income(income_report_for_user(user, year))
        if not report.complete:
            sys.exit(2)  # printed, but not a figure to file: say so to scripts too

    def _parse(self, options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        try:
            parser = statement_parser_for(options["provider"])
        except StatementError as exc:
            raise CommandError(exc.message) from None
        parsed = parser.parse(data, path.name)
        if parsed.errors:
            for error in parsed.errors:
                column = f", column {error.column}" if error.column else ""
                self.stderr.write(f"line {error.line}{column}: {error.message}")
            raise CommandError("The file has errors: no report. Fix them and run the command again.")
        if "wrapper" not in parsed.account.extra:
            self.stderr.write("The file names no wrapper: taken as a general investment account (taxable).")
        return parsed

    def _income(self, income):
        self.stdout.write("")
        self.stdout.write(f"Dividends and interest, tax year {income.tax_year.label} (taxable accounts)")
        for line in income.dividends + income.interest:
            name = f" {line.security}" if line.security else ""
            self.stdout.write(f"  {line.kind} {line.account}{name}: gross £{money(line.gross)}, withheld "
                              f"£{money(line.withheld)}, net £{money(line.net)}")
        allowance = income.dividend_allowance
        self.stdout.write(f"  Dividends gross £{money(income.dividend_totals.gross)}; dividend allowance "
                          f"£{money(allowance.amount)}; over the allowance £{money(income.dividends_over_allowance)}")
        self.stdout.write(f"  Interest gross £{money(income.interest_totals.gross)}; personal savings allowance "
                          "£1,000 basic rate, £500 higher rate, £0 additional rate")
        for line in income.exempt:
            self.stdout.write(f"  exempt, not for the return: {line.kind} in {line.account} £{money(line.gross)}")
