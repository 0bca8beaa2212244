"""Reads for cases: who sees what, and the querysets the API and pages list."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core import roles
from escalation.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    Department,
    DepartmentMembership,
    EscalationOfficer,
    SlaClock,
    Task,
    TaskGroup,
)
from escalation.sla import status as sla_status

#: Roles that see every case (department members see only their tasks' cases).
CASE_READERS = (
    roles.OFFICERS,
    roles.SUPERVISORS,
    roles.KNOWLEDGE_TEAM,
    roles.FRONTLINE,
)
#: Roles that may open an escalation.
CASE_OPENERS = (roles.FRONTLINE, roles.OFFICERS, roles.SUPERVISORS)


def cases_visible_to(user) -> QuerySet[Case]:
    """Every case the user may see; anything else answers 404."""
    if roles.has_role(user, *CASE_READERS):
        return Case.objects.all()
    return Case.objects.none()


def case_list(*, user) -> QuerySet[Case]:
    """Cases for list pages and the API: everything a row shows, in a fixed number of queries."""
    clocks = sla_status.shown(SlaClock.objects.select_related("calendar").order_by("pk"))
    return (
        cases_visible_to(user)
        .select_related("customer", "officer__user")
        .prefetch_related(Prefetch("sla_clocks", queryset=clocks, to_attr="shown_sla_clocks"))
    )


def department_ids_of(user) -> list[int]:
    cached = getattr(user, "_casehub_departments", None)
    if cached is None:
        cached = list(
            DepartmentMembership.objects.filter(user=user).values_list("department_id", flat=True)
        )
        user._casehub_departments = cached
    return cached


def tasks_visible_to(user) -> QuerySet[Task]:
    """Officers and supervisors see every task; a department member only its departments'."""
    if roles.has_role(user, roles.OFFICERS, roles.SUPERVISORS):
        return Task.objects.all()
    if roles.has_role(user, roles.DEPARTMENT_MEMBERS):
        return Task.objects.filter(department_id__in=department_ids_of(user))
    return Task.objects.none()


def task_list(*, user) -> QuerySet[Task]:
    clocks = SlaClock.objects.filter(stopped_at=None).select_related("calendar")
    return (
        tasks_visible_to(user)
        .select_related("department", "assignee", "case__customer", "case__officer__user")
        .prefetch_related(Prefetch("clocks", queryset=clocks, to_attr="open_clocks"))
    )


def task_groups_visible_to(user) -> QuerySet[TaskGroup]:
    """Groups the user may see: all for officers, else those with a task of its departments."""
    if roles.has_role(user, roles.OFFICERS, roles.SUPERVISORS):
        return TaskGroup.objects.all()
    if roles.has_role(user, roles.DEPARTMENT_MEMBERS):
        return TaskGroup.objects.filter(
            Q(tasks__department_id__in=department_ids_of(user)) | Q(members=user)
        ).distinct()
    return TaskGroup.objects.none()


def task_group_list(*, user) -> QuerySet[TaskGroup]:
    tasks = task_list(user=user)
    return (
        task_groups_visible_to(user)
        .select_related("case__customer", "created_by")
        .prefetch_related("members", Prefetch("tasks", queryset=tasks, to_attr="visible_tasks"))
    )


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("id")


def events_since(last_event_id: int, *, limit: int, **scope) -> list[CaseEvent]:
    """Audit events after ``last_event_id`` within ``scope`` (a case, an officer's cases, a
    department's tasks), oldest first, ready for their live envelopes: what a reconnecting
    socket missed."""
    return list(
        CaseEvent.objects.filter(pk__gt=last_event_id, **scope)
        .select_related("case__officer__user", "actor")
        .order_by("pk")[:limit]
    )


def active_department(code: str) -> Department | None:
    return Department.objects.filter(code=code, active=True).first()


def officers_by_load(*, category: str, min_level: int) -> list[dict]:
    """Active officers handling ``category`` with room left, least loaded first.

    Plain rows (``pk``, ``load``): the queue is read on every intake, the chosen officer
    is loaded when it is locked.
    """
    # A correlated count over the (officer, state) index: only open cases are read, however
    # many closed cases an officer has behind them.
    open_cases = (
        Case.objects.filter(officer=OuterRef("pk"), state__in=OPEN_STATES)
        .order_by()
        .values("officer")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rows = (
        EscalationOfficer.objects.filter(active=True, user__is_active=True, level__gte=min_level)
        .annotate(load=Coalesce(Subquery(open_cases), 0))
        .order_by("load", "level", "pk")
        .values("pk", "skills", "load", "max_open_cases")
    )
    return [
        row for row in rows if category in row["skills"] and row["load"] < row["max_open_cases"]
    ]


def task_thread(task: Task):
    """The messages of a task's group thread, oldest first, with their authors."""
    return task.group.messages.select_related("author").order_by("created_at", "pk")
