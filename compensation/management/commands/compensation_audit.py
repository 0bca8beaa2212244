"""``manage.py compensation_audit``: recompute every budget from the ledger; fail on mismatch."""

from django.core.management.base import BaseCommand, CommandError

from compensation.audit import mismatches
from compensation.models import BudgetCounter, Grant, LedgerEntry


class Command(BaseCommand):
    help = "Recompute each compensation budget from the ledger and report any mismatch."

    def handle(self, *args, **options):
        problems = mismatches()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} mismatch(es) between ledger and budgets.")
        self.stdout.write(
            f"OK: {LedgerEntry.objects.count()} ledger entries, {Grant.objects.count()} grants, "
            f"{BudgetCounter.objects.count()} budgets agree."
        )
