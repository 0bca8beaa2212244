from django.core.management.base import BaseCommand

from team import awards


class Command(BaseCommand):
    help = (
        "Rebuild every badge award and the points ledger from the cases' audit trail, with the "
        "badges' current points and thresholds (nobody is notified again)."
    )

    def handle(self, *args, **options):
        done = awards.recompute()
        self.stdout.write(f"team: {done.awards} awards, {done.points} points")
