"""Show or move the sandbox clock: `manage.py sandbox_clock [--advance DAYS | --reset]`."""

from django.core.management.base import BaseCommand

from sandbox import clock


class Command(BaseCommand):
    help = "Show the sandbox date, move it on by --advance DAYS, or --reset it to the real date."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--advance", type=int, metavar="DAYS", help="Move the clock this many days on.")
        group.add_argument("--reset", action="store_true", help="Back to the real date.")

    def handle(self, *args, advance=None, reset=False, **options):
        if reset:
            clock.reset()
        elif advance is not None:
            clock.advance(advance)
        self.stdout.write(f"Sandbox today is {clock.today().isoformat()} (real date + {clock.offset_days()} days)")
