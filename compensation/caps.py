"""The caps: which budgets a grant draws on, their locks, and the one function that decides.

Every budget is serialized by a lock taken in one global order (PostgreSQL transaction
advisory locks keyed by the budget, sorted), so concurrent requests for the same budget
queue up instead of both reading the old total; on SQLite the IMMEDIATE transaction mode
already serializes writers. Under those locks the counters are read, the decision is made
and the counters move, all in the caller's transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compensation.errors import CapExceeded
from compensation.models import AuthorityPolicy, BudgetCounter, Grant, GrantState, LedgerEntry

OFFICER_DAY = "officer_day"
OFFICER_MONTH = "officer_month"
CASE = "case"
CUSTOMER = "customer_30d"
APPROVAL_CEILING = "approval_ceiling"
APPROVER_LIMIT = "approver_limit"
#: Cap names in the order they are checked and reported.
BUDGET_CAPS = (OFFICER_DAY, OFFICER_MONTH, CASE, CUSTOMER)

CAP_LABELS = {
    APPROVAL_CEILING: gettext_lazy("approval ceiling per grant"),
    APPROVER_LIMIT: gettext_lazy("approver's limit per grant"),
    OFFICER_DAY: gettext_lazy("officer budget for the day"),
    OFFICER_MONTH: gettext_lazy("officer budget for the month"),
    CASE: gettext_lazy("budget per case"),
    CUSTOMER: gettext_lazy("budget per customer for 30 days"),
}


@dataclass(frozen=True)
class Budget:
    """One budget a grant draws on: its counter's key and its limit under a policy."""

    cap: str
    scope: str
    subject_id: int
    period: str
    currency: str

    @property
    def lock_key(self) -> int:
        raw = f"{self.scope}:{self.subject_id}:{self.period}:{self.currency}".encode()
        return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big", signed=True)


@dataclass(frozen=True)
class Standing:
    """How much of one cap is used and left."""

    cap: str
    limit: Decimal
    used: Decimal

    @property
    def remaining(self) -> Decimal:
        return max(self.limit - self.used, Decimal("0"))


def budget_dates(policy: AuthorityPolicy, at: datetime) -> tuple[date, date]:
    """The officer's day and month of ``at``, in the policy's timezone."""
    day = timezone.localtime(at, ZoneInfo(policy.timezone)).date()
    return day, day.replace(day=1)


def budgets_of(
    *, officer_id: int, case_id: int, customer_id: int, day: date, month: date, currency: str
) -> list[Budget]:
    return [
        Budget(OFFICER_DAY, "officer_day", officer_id, day.isoformat(), currency),
        Budget(OFFICER_MONTH, "officer_month", officer_id, month.isoformat()[:7], currency),
        Budget(CASE, "case", case_id, "", currency),
        Budget(CUSTOMER, "customer", customer_id, "", currency),
    ]


def budgets_of_grant(grant: Grant) -> list[Budget]:
    return budgets_of(
        officer_id=grant.requested_by_id,
        case_id=grant.case_id,
        customer_id=grant.customer_id,
        day=grant.budget_day,
        month=grant.budget_month,
        currency=grant.currency,
    )


def limit_of(policy: AuthorityPolicy, cap: str) -> Decimal:
    return {
        OFFICER_DAY: policy.per_day_limit,
        OFFICER_MONTH: policy.per_month_limit,
        CASE: policy.per_case_limit,
        CUSTOMER: policy.per_customer_limit,
    }[cap]


def lock_budgets(budgets: list[Budget]) -> dict[str, BudgetCounter]:
    """Take every budget's lock in the global order and return its counter, by cap.

    Call inside a transaction; the locks are held until it ends.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for key in sorted({b.lock_key for b in budgets}):
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
    keys = Q()
    for b in budgets:
        keys |= Q(scope=b.scope, subject_id=b.subject_id, period=b.period, currency=b.currency)
    found = {(c.scope, c.subject_id, c.period): c for c in BudgetCounter.objects.filter(keys)}
    counters = {}
    for b in budgets:
        counter = found.get((b.scope, b.subject_id, b.period))
        if counter is None:  # nobody else can create it: we hold its lock
            counter = BudgetCounter.objects.create(
                scope=b.scope, subject_id=b.subject_id, period=b.period, currency=b.currency
            )
        counters[b.cap] = counter
    return counters


def customer_window_use(*, customer_id: int, currency: str, now: datetime) -> Decimal:
    """Use of the customer's rolling window, summed from the ledger (grant request times)."""
    since = now - timedelta(days=settings.CASEHUB_COMPENSATION_CUSTOMER_WINDOW_DAYS)
    total = LedgerEntry.objects.filter(
        customer_id=customer_id, currency=currency, budget_at__gt=since
    ).aggregate(total=Sum("delta"))["total"]
    return total or Decimal("0")


def standings(
    *,
    policy: AuthorityPolicy,
    counters: dict[str, BudgetCounter],
    customer_id: int,
    currency: str,
    now: datetime,
) -> list[Standing]:
    result = []
    for cap in BUDGET_CAPS:
        if cap not in counters:
            continue
        if cap == CUSTOMER:
            used = customer_window_use(customer_id=customer_id, currency=currency, now=now)
        else:
            used = counters[cap].used
        result.append(Standing(cap, limit_of(policy, cap), used))
    return result


#: Caps that bound one grant, not a running total: nothing of them is ever "used".
PER_GRANT_CAPS = (APPROVAL_CEILING, APPROVER_LIMIT)


def refusal(cap: str, *, limit: Decimal, remaining: Decimal, currency: str) -> CapExceeded:
    """The 422 for ``cap``, with a message in the words ``compensations/authority/`` uses."""
    values = {
        "cap": CAP_LABELS[cap],
        "limit": f"{limit:.2f}",
        "remaining": f"{max(remaining, Decimal('0')):.2f}",
        "currency": currency,
    }
    if cap in PER_GRANT_CAPS:
        detail = _("Refused by the %(cap)s: one grant may be at most %(limit)s %(currency)s.")
    else:
        detail = _(
            "Refused by the %(cap)s: the limit is %(limit)s %(currency)s and "
            "%(remaining)s %(currency)s remain."
        )
    return CapExceeded(
        detail % values, cap=cap, limit=limit, remaining=remaining, currency=currency
    )


def decide(
    *,
    policy: AuthorityPolicy,
    amount: Decimal,
    currency: str,
    counters: dict[str, BudgetCounter],
    customer_id: int,
    now: datetime,
) -> str:
    """The one decision: refuse (CapExceeded), or the state the grant goes to.

    Call with the budgets locked. Every cap is checked — the ceiling per grant, then each
    budget — and when several refuse, the refusal names the one with the least remaining
    (the first in that order on a tie): the most the officer could still ask for. Within
    every cap and up to the limit per grant → approved, above it → pending approval.
    """
    ceiling = Standing(APPROVAL_CEILING, policy.approval_ceiling, Decimal("0"))
    budgets = standings(
        policy=policy, counters=counters, customer_id=customer_id, currency=currency, now=now
    )
    refusing = [s for s in (ceiling, *budgets) if s.used + amount > s.limit]
    if refusing:
        tightest = min(refusing, key=lambda s: s.remaining)
        raise refusal(
            tightest.cap, limit=tightest.limit, remaining=tightest.remaining, currency=currency
        )
    if amount > policy.per_grant_limit:
        return GrantState.PENDING_APPROVAL
    return GrantState.APPROVED


def move_counters(counters: dict[str, BudgetCounter], delta: Decimal) -> None:
    """Add ``delta`` to every locked counter (negative to give budget back)."""
    BudgetCounter.objects.filter(pk__in=[c.pk for c in counters.values()]).update(
        used=F("used") + delta
    )
