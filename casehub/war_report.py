"""The war report's figures (战报): what a supervisor watches on the wall in peak season.

Every figure is an SQL aggregate, and the whole report is a fixed number of statements
whatever the number of cases, clocks, tasks or grants: one per section. "Today" is the
installation's local day (``TIME_ZONE``); the week is the six days before it and today.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import ExtractHour
from django.utils import timezone

from compensation.models import AuthorityPolicy, Grant, GrantState
from escalation.models import (
    ACTIVE_TASK_STATES,
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseState,
    EscalationOfficer,
    SlaClock,
    Task,
    TaskState,
)
from peak.forecast import HourAhead, next_hours

#: Grants whose amount is spent (approved and waiting to be issued, or issued).
SPENT_STATES = (GrantState.APPROVED, GrantState.ISSUED)
#: The officer level each authority policy applies to.
POLICY_LEVELS = {
    AuthorityPolicy.Role.LEVEL_1: 1,
    AuthorityPolicy.Role.LEVEL_2: 2,
    AuthorityPolicy.Role.LEVEL_3: 3,
}


@dataclass(frozen=True, order=True)
class Compliance:
    """Case clocks that finished in a period, met or breached, for one priority and tier."""

    priority: str
    tier: str
    met_today: int
    breached_today: int
    met_week: int
    breached_week: int

    @staticmethod
    def rate(met: int, breached: int) -> float | None:
        return None if met + breached == 0 else met / (met + breached)

    @property
    def today(self) -> float | None:
        return self.rate(self.met_today, self.breached_today)

    @property
    def week(self) -> float | None:
        return self.rate(self.met_week, self.breached_week)


@dataclass(frozen=True, order=True)
class Spend:
    kind: str
    role: str
    amount: Decimal


@dataclass(frozen=True)
class Budget:
    """A level's daily authority across its active officers, and what it spent today."""

    role: str
    officers: int
    per_officer: Decimal
    spent: Decimal

    @property
    def total(self) -> Decimal:
        return self.per_officer * self.officers


@dataclass(frozen=True, order=True)
class DepartmentLoad:
    code: str
    name: str
    done_today: int
    active: int
    overdue: int


@dataclass(frozen=True)
class FirstContact:
    """Cases resolved today, and those resolved by their officer alone: never reopened, no
    task group, no further contact attached."""

    resolved_today: int
    first_contact: int

    @property
    def rate(self) -> float | None:
        return None if not self.resolved_today else self.first_contact / self.resolved_today


@dataclass(frozen=True)
class Floor:
    """The next hours' expected new cases against what the floor handles in an hour: the
    active officers times ``CASEHUB_CASES_PER_OFFICER_HOUR`` (there are no shifts yet)."""

    hours: list[HourAhead]
    officers: int
    per_officer: int

    @property
    def capacity(self) -> int:
        return self.officers * self.per_officer


@dataclass(frozen=True)
class WarReport:
    at: datetime
    open_by_state: dict[str, int]
    compliance: list[Compliance]
    breaches_by_hour: list[int]
    spend: list[Spend]
    budgets: list[Budget]
    departments: list[DepartmentLoad]
    first_contact: FirstContact
    floor: Floor

    @property
    def open_total(self) -> int:
        return sum(self.open_by_state.values())

    @property
    def breaches_today(self) -> int:
        return sum(self.breaches_by_hour)

    @property
    def spent_today(self) -> Decimal:
        return sum((row.amount for row in self.spend), Decimal("0"))

    @property
    def compliance_today(self) -> float | None:
        """Every case clock that finished today, whatever its priority and tier."""
        return Compliance.rate(
            sum(row.met_today for row in self.compliance),
            sum(row.breached_today for row in self.compliance),
        )


def day_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def open_by_state() -> dict[str, int]:
    counts = dict(
        Case.objects.filter(state__in=OPEN_STATES)
        .order_by()
        .values_list("state")
        .annotate(count=Count("pk"))
    )
    return {str(state): counts.get(state, 0) for state in OPEN_STATES}


def compliance(today: datetime) -> list[Compliance]:
    week = today - timedelta(days=6)
    met = Q(stopped_at__isnull=False, breached_at__isnull=True)
    rows = (
        SlaClock.objects.filter(task__isnull=True)
        .filter(Q(met, stopped_at__gte=week) | Q(breached_at__gte=week))
        .order_by()
        .values_list("case__priority", "case__customer__tier")
        .annotate(
            met_today=Count("pk", filter=met & Q(stopped_at__gte=today)),
            breached_today=Count("pk", filter=Q(breached_at__gte=today)),
            met_week=Count("pk", filter=met & Q(stopped_at__gte=week)),
            breached_week=Count("pk", filter=Q(breached_at__gte=week)),
        )
    )
    return sorted(Compliance(*row) for row in rows)


def breaches_by_hour(today: datetime) -> list[int]:
    """SLA breaches of every kind (case and task clocks) in each local hour of today."""
    hours = [0] * 24
    rows = (
        SlaClock.objects.filter(breached_at__gte=today)
        .annotate(hour=ExtractHour("breached_at", tzinfo=today.tzinfo))
        .order_by()
        .values_list("hour")
        .annotate(count=Count("pk"))
    )
    for hour, count in rows:
        hours[hour] += count
    return hours


def spend_today(today: datetime) -> list[Spend]:
    rows = (
        Grant.objects.filter(state__in=SPENT_STATES, budget_day=today.date())
        .order_by()
        .values_list("kind__code", "policy__role")
        .annotate(amount=Sum("amount"))
    )
    return sorted(Spend(*row) for row in rows)


def officers_by_level() -> dict[int, int]:
    """Active officers (and active accounts) per level."""
    return dict(
        EscalationOfficer.objects.filter(active=True, user__is_active=True)
        .order_by()
        .values_list("level")
        .annotate(count=Count("pk"))
    )


def budgets(spend: list[Spend], officers: dict[int, int]) -> list[Budget]:
    """Each officer level's daily authority, from its policy and its active officers."""
    spent: dict[str, Decimal] = defaultdict(Decimal)
    for row in spend:
        spent[row.role] += row.amount
    return [
        Budget(
            role=role,
            officers=officers.get(POLICY_LEVELS[role], 0),
            per_officer=limit,
            spent=spent[role],
        )
        for role, limit in AuthorityPolicy.objects.filter(role__in=POLICY_LEVELS)
        .order_by("role")
        .values_list("role", "per_day_limit")
    ]


def departments(now: datetime, today: datetime) -> list[DepartmentLoad]:
    active = Q(state__in=ACTIVE_TASK_STATES)
    rows = (
        Task.objects.order_by()
        .values_list("department__code", "department__name")
        .annotate(
            done_today=Count("pk", filter=Q(state=TaskState.DONE, updated_at__gte=today)),
            active=Count("pk", filter=active),
            overdue=Count("pk", filter=active & Q(due_at__lt=now)),
        )
        .filter(Q(done_today__gt=0) | Q(active__gt=0))
    )
    return sorted(DepartmentLoad(*row) for row in rows)


def first_contact(today: datetime) -> FirstContact:
    later_contact = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind__in=["contact_attached", "reopen"]
    )
    counts = Case.objects.filter(
        resolved_at__gte=today, state__in=[CaseState.RESOLVED, CaseState.CLOSED]
    ).aggregate(
        resolved=Count("pk"),
        alone=Count(
            "pk",
            filter=~Q(Exists(later_contact)) & ~Q(Exists(Task.objects.filter(case=OuterRef("pk")))),
        ),
    )
    return FirstContact(counts["resolved"], counts["alone"])


def floor(now: datetime, officers: dict[int, int]) -> Floor:
    """The forecast of the next 24 hours (stored by ``peak.refresh_forecast``) against the
    floor's hourly capacity."""
    return Floor(
        hours=next_hours(now, 24),
        officers=sum(officers.values()),
        per_officer=settings.CASEHUB_CASES_PER_OFFICER_HOUR,
    )


def war_report(now: datetime | None = None) -> WarReport:
    """The whole report, in nine statements."""
    now = now or timezone.now()
    today = day_start(now)
    spend = spend_today(today)
    officers = officers_by_level()
    return WarReport(
        at=now,
        open_by_state=open_by_state(),
        compliance=compliance(today),
        breaches_by_hour=breaches_by_hour(today),
        spend=spend,
        budgets=budgets(spend, officers),
        departments=departments(now, today),
        first_contact=first_contact(today),
        floor=floor(now, officers),
    )
