"""Recompute every budget from the ledger and compare with the counters and the grants."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from compensation.models import HOLDING_STATES, BudgetCounter, Grant, LedgerEntry


def ledger_totals() -> dict[tuple[str, int, str, str], Decimal]:
    """Each budget's use as the ledger says, keyed like the counters."""
    totals: dict[tuple[str, int, str, str], Decimal] = defaultdict(Decimal)
    rows = LedgerEntry.objects.values(
        "officer_id", "case_id", "customer_id", "budget_day", "budget_month", "currency"
    ).annotate(total=Sum("delta"))
    for row in rows:
        total, currency = row["total"], row["currency"]
        totals[("officer_day", row["officer_id"], row["budget_day"].isoformat(), currency)] += total
        month = row["budget_month"].isoformat()[:7]
        totals[("officer_month", row["officer_id"], month, currency)] += total
        totals[("case", row["case_id"], "", currency)] += total
        totals[("customer", row["customer_id"], "", currency)] += total
    return totals


def mismatches() -> list[str]:
    """Every disagreement between ledger, counters and grant states (none expected)."""
    problems = []
    expected = ledger_totals()
    counters = {
        (c.scope, c.subject_id, c.period, c.currency): c.used for c in BudgetCounter.objects.all()
    }
    for key in sorted(set(expected) | set(counters), key=str):
        want, have = expected.get(key, Decimal("0")), counters.get(key, Decimal("0"))
        if want != have:
            problems.append(f"budget {':'.join(map(str, key))}: ledger {want}, counter {have}")
    net = dict(
        LedgerEntry.objects.values("grant_id")
        .annotate(total=Sum("delta"))
        .values_list("grant_id", "total")
    )
    for grant in Grant.objects.only("pk", "state", "amount").iterator():
        want = grant.amount if grant.state in HOLDING_STATES else Decimal("0")
        have = net.get(grant.pk, Decimal("0"))
        if want != have:
            problems.append(f"grant {grant.pk} ({grant.state}): ledger {have}, expected {want}")
    return problems
