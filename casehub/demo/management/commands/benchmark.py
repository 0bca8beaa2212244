"""``manage.py benchmark <area>``: measured figures for the hot paths, printed, never asserted.

Each app's areas are listed in ``casehub/demo/benchmarks/<app>.py`` as
``AREAS = {"name": (help, run)}`` where ``run(stdout, **options)`` prints its figures.
"""

from django.core.management.base import BaseCommand, CommandError

from casehub.demo.benchmarks import compensation, escalation, knowledge, load, pages


def areas() -> dict:
    return {
        **escalation.AREAS,
        **compensation.AREAS,
        **knowledge.AREAS,
        **pages.AREAS,
        **load.AREAS,
    }


#: Areas with a CI-sized run (``--short``).
SHORT_RUNS = ("load",)


class Command(BaseCommand):
    help = "Run one benchmark area and print its figures."

    def add_arguments(self, parser):
        parser.add_argument("area", nargs="?")
        parser.add_argument("-n", "--count", type=int, default=None, help="size of the run")
        parser.add_argument(
            "--short", action="store_true", help="a CI-sized run (only areas that have one)"
        )

    def handle(self, *args, area, count, short, **options):
        known = areas()
        if area not in known:
            listing = "\n".join(f"  {name}: {text}" for name, (text, _) in sorted(known.items()))
            raise CommandError(f"Choose an area:\n{listing}")
        _, run = known[area]
        if short and area not in SHORT_RUNS:
            raise CommandError(f"Only {', '.join(SHORT_RUNS)} has a short run.")
        run(self.stdout, count=count, **({"short": True} if short else {}))
