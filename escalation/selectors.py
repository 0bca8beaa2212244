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


# --- reads for the pages (workbench, case page, department board) ---


def departments_of(user) -> QuerySet[Department]:
    """The active departments the user works in, by name (the navigation's entries)."""
    return Department.objects.filter(memberships__user=user, active=True).order_by("name")


def unread_notification_count(user) -> int:
    from escalation.models import Notification

    return Notification.objects.filter(recipient=user, read_at=None).count()


def notifications_of(user) -> QuerySet:
    from escalation.models import Notification

    return Notification.objects.filter(recipient=user).select_related("case")


def last_event_id() -> int:
    """The newest audit event: a page's sockets resume from here, so nothing is missed
    between rendering the page and connecting."""
    return CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def by_sla_urgency(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Most urgent first: the earliest deadline of a shown clock that still counts
    (breached ones first, as the most overdue), then priority; cases without one last."""
    from django.db.models import F

    counting = sla_status.shown(
        SlaClock.objects.filter(case_id=OuterRef("pk"), stopped_at=None, paused_at=None).order_by(
            "due_at"
        )
    )
    return cases.annotate(urgent_at=Subquery(counting.values("due_at")[:1])).order_by(
        F("urgent_at").asc(nulls_last=True), "priority", "pk"
    )


def workbench_view(cases: QuerySet[Case], *, user, view: str, now) -> QuerySet[Case]:
    """One tab of the workbench: ``mine``, ``unassigned``, ``breaching`` (a counting clock due
    within the hour or breached) or ``open`` (every open case)."""
    cases = cases.filter(state__in=OPEN_STATES)
    if view == "mine":
        return cases.filter(officer__user=user)
    if view == "unassigned":
        return cases.filter(officer__isnull=True)
    if view == "breaching":
        return cases.filter(
            sla_status.case_condition("due_within=3600", now)
            | sla_status.case_condition("breached", now)
        )
    return cases


def case_page(*, user, case_id: int) -> Case:
    """One case with what its page header shows (404 when the user may not see it)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(case_list(user=user), pk=case_id)


def other_cases_of_customer(case: Case, *, limit: int = 10) -> list[Case]:
    return list(
        Case.objects.filter(customer_id=case.customer_id)
        .exclude(pk=case.pk)
        .only("pk", "reference", "title", "state", "created_at")
        .order_by("-created_at")[:limit]
    )


def case_task_groups(case: Case, *, user) -> list[TaskGroup]:
    """The case's task groups with their tasks, people, deadlines and threads."""
    from escalation.models import TaskMessage

    tasks = task_list(user=user).prefetch_related("department__memberships")
    messages = TaskMessage.objects.select_related("author").order_by("created_at", "pk")
    return list(
        task_groups_visible_to(user)
        .filter(case=case)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("tasks", queryset=tasks, to_attr="visible_tasks"),
            Prefetch("messages", queryset=messages, to_attr="thread"),
        )
        .order_by("created_at", "pk")
    )


def department_members(departments) -> dict[int, list]:
    """``{department id: [users]}`` of the given departments, leads first."""
    rows = (
        DepartmentMembership.objects.filter(department__in=departments)
        .select_related("user")
        .order_by("department_id", "-is_lead", "user__username")
    )
    members: dict[int, list] = {}
    for row in rows:
        members.setdefault(row.department_id, []).append(row.user)
    return members


def department_board_tasks(department: Department, *, user) -> list[Task]:
    """A department's unfinished tasks and those finished in the last week, for its board."""
    from datetime import timedelta

    from django.utils import timezone

    from escalation.models import ACTIVE_TASK_STATES, TaskState

    recent = timezone.now() - timedelta(days=7)
    return list(
        task_list(user=user)
        .filter(department=department)
        .filter(Q(state__in=[*ACTIVE_TASK_STATES, TaskState.REJECTED]) | Q(updated_at__gte=recent))
        .select_related("group")
        .prefetch_related("department__memberships")
        .order_by("due_at", "pk")
    )


def search_cases(cases: QuerySet[Case], text: str) -> QuerySet[Case]:
    """The workbench's search box: a reference, a customer (name or id) or words of the title."""
    text = text.strip()
    if not text:
        return cases
    return cases.filter(
        Q(reference__iexact=text)
        | Q(title__icontains=text)
        | Q(customer__name__icontains=text)
        | Q(customer__external_id__iexact=text)
    )
