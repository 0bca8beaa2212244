"""``manage.py benchmark <area>``: measured figures for the hot paths, printed, never asserted.

Each app lists its areas in ``<app>/benchmarks.py`` as ``AREAS = {"name": (help, run)}``
where ``run(stdout, **options)`` prints its figures.
"""

from importlib import import_module

from django.core.management.base import BaseCommand, CommandError

APPS = ("escalation", "compensation", "knowledge")


def areas() -> dict:
    found = {}
    for app in APPS:
        try:
            module = import_module(f"{app}.benchmarks")
        except ModuleNotFoundError as missing:
            if missing.name != f"{app}.benchmarks":
                raise
            continue
        found.update(module.AREAS)
    return found


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
