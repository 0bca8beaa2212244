"""``manage.py benchmark <area>``: measured figures for the hot paths, printed, never asserted.

Each app's areas are listed in ``casehub/demo/benchmarks/<app>.py`` as
``AREAS = {"name": (help, run)}`` where ``run(stdout, **options)`` prints its figures.
"""

from django.core.management.base import BaseCommand, CommandError

from casehub.demo.benchmarks import compensation, escalation, knowledge, pages


def areas() -> dict:
    return {**escalation.AREAS, **compensation.AREAS, **knowledge.AREAS, **pages.AREAS}


class Command(BaseCommand):
    help = "Run one benchmark area and print its figures."

    def add_arguments(self, parser):
        parser.add_argument("area", nargs="?")
        parser.add_argument("-n", "--count", type=int, default=None, help="size of the run")

    def handle(self, *args, area, count, **options):
        known = areas()
        if area not in known:
            listing = "\n".join(f"  {name}: {text}" for name, (text, _) in sorted(known.items()))
            raise CommandError(f"Choose an area:\n{listing}")
        _, run = known[area]
        run(self.stdout, count=count)
