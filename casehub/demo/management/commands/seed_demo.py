from django.core.management.base import BaseCommand

from casehub.demo.seeding import compensation as compensation_demo
from casehub.demo.seeding import escalation as escalation_demo
from casehub.demo.seeding import knowledge as knowledge_demo

ACCOUNTS = (
    "admin (superuser), officer1/officer2/officer3 (officers, levels 1-3), supervisor, "
    "kb1/kb2 (knowledge team), frontline, <dept>_member and <dept>_lead for tech, logistics, "
    "supply_chain, after_sales, finance"
)


class Command(BaseCommand):
    help = "Create the demo accounts and data (idempotent). Password for all: casehub-demo."

    def handle(self, *args, **options):
        escalation_demo.seed(self.stdout)
        compensation_demo.seed(self.stdout)
        knowledge_demo.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS(f"Demo accounts: {ACCOUNTS}"))
