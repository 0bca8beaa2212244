from django.core.management.base import BaseCommand

from casehub.demo.seeding import compensation as compensation_demo
from casehub.demo.seeding import escalation as escalation_demo
from casehub.demo.seeding import floor as floor_demo
from casehub.demo.seeding import knowledge as knowledge_demo
from casehub.demo.seeding import peak as peak_demo
from casehub.demo.seeding import quality as quality_demo
from casehub.demo.seeding import team as team_demo

ACCOUNTS = (
    "admin (superuser), officer1/officer2/officer3 (officers, levels 1-3; officer4-24 the "
    "rest of the floor), supervisor, "
    "kb1/kb2 (knowledge team), frontline, <dept>_member and <dept>_lead for tech, logistics, "
    "supply_chain, after_sales, finance; pool_logistics/pool_after_sales (shared pool), "
    "bot_platform (the chatbot platform's department)"
)


class Command(BaseCommand):
    help = "Create the demo accounts and data (idempotent). Password for all: casehub-demo."

    def add_arguments(self, parser):
        parser.add_argument(
            "--history",
            type=int,
            default=0,
            metavar="N",
            help="Add past cases (mostly closed) until there are N cases in all, e.g. 10000.",
        )

    def handle(self, *args, **options):
        quality_demo.seed(self.stdout)  # first: the seeded threads and resolutions are checked
        escalation_demo.seed(self.stdout)
        floor_demo.seed(self.stdout)
        compensation_demo.seed(self.stdout)
        knowledge_demo.seed(self.stdout)
        peak_demo.seed(self.stdout)
        team_demo.seed(self.stdout)
        if options["history"]:
            added = escalation_demo.seed_history(options["history"])
            self.stdout.write(f"history: {added} past cases added")
        self.stdout.write(self.style.SUCCESS(f"Demo accounts: {ACCOUNTS}"))
