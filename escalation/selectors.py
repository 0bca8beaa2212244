"""Reads for cases: who sees what, and the querysets the API and pages list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject

from core import roles
from core.rows import RowReader
from escalation.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    Certification,
    Customer,
    Department,
    DepartmentMembership,
    EscalationOfficer,
    SlaClock,
    Task,
    TaskGroup,
)
from escalation.sla import policies
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


#: What a list row reads of its clocks: the shown rule, the state stamps and what is left.
#: Of the calendar only its stamp is read, which tells whether the process's spec is current.
LISTED_CLOCK_FIELDS = (
    "case_id",
    "kind",
    "cycle",
    "calendar_id",
    "target_seconds",
    "due_at",
    "paused_at",
    "stopped_at",
    "warned_at",
    "breached_at",
)
#: What a list row reads of the people it names.
LISTED_PERSON_FIELDS = ("username", "first_name", "last_name")


def case_list(*, user) -> QuerySet[Case]:
    """Cases for list pages and the API: everything a row shows, in a fixed number of queries.

    Each case's case clocks come by the case index; the shown ones are picked in Python.
    Only the columns a row shows are read of clocks, customers and officers.
    """
    clocks = (
        SlaClock.objects.filter(kind__in=sla_status.CASE_CLOCK_KINDS)
        .only(*LISTED_CLOCK_FIELDS)
        .annotate(calendar_stamp=F("calendar__updated_at"))
    )
    return (
        cases_visible_to(user)
        .select_related("customer", "officer__user")
        .only(
            *(field.name for field in Case._meta.concrete_fields),
            *(f"customer__{name}" for name in ("external_id", "name", "tier")),
            "officer__user",
            *(f"officer__user__{name}" for name in LISTED_PERSON_FIELDS),
        )
        .prefetch_related(Prefetch("sla_clocks", queryset=clocks, to_attr="case_clocks_read"))
    )


#: The people a row names, read with the case as two JSON values (``case_rows``). As
#: subqueries rather than joins, a count of the rows leaves them out entirely.
ROW_COLUMNS = {
    "customer_row": Subquery(
        Customer.objects.filter(pk=OuterRef("customer_id")).values(
            row=JSONObject(external_id="external_id", name="name", tier="tier")
        )
    ),
    "officer_row": Subquery(
        EscalationOfficer.objects.filter(pk=OuterRef("officer_id")).values(
            row=JSONObject(
                id="user_id",
                username="user__username",
                first_name="user__first_name",
                last_name="user__last_name",
            )
        )
    ),
}


def case_rows(*, user) -> QuerySet[Case]:
    """Cases as the API lists and shows them: the customer and the officer come with the
    case as plain values (``ROW_COLUMNS``), not as three more objects per row; the API's
    serializer reads the page's clocks as rows (``case_clocks_read``)."""
    return (
        cases_visible_to(user)
        .only(*(field.name for field in Case._meta.concrete_fields))
        .annotate(**ROW_COLUMNS)
    )


def case_clocks_read(case_ids: list[int]) -> dict[int, list[sla_status.ClockRow]]:
    """The case clocks of these cases as plain rows, by case, in one statement (a list page
    shows them: rows cost a fraction of model instances)."""
    fields = ["pk", *LISTED_CLOCK_FIELDS]
    rows = SlaClock.objects.filter(
        case_id__in=case_ids, kind__in=sla_status.CASE_CLOCK_KINDS
    ).values_list(*fields, "calendar__updated_at")
    read: dict[int, list[sla_status.ClockRow]] = {pk: [] for pk in case_ids}
    for row in rows:
        values = dict(zip(fields, row, strict=False))
        values["calendar_stamp"] = row[-1]
        read[values["case_id"]].append(sla_status.ClockRow(**values))
    return read


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


#: The open states as SQL literals, written into the officer-load statements rather than
#: passed as parameters: PostgreSQL can use the partial index of open cases
#: (``case_open_by_officer_idx``) only when it sees the states in the statement, and a
#: prepared statement's generic plan does not see parameters.
assert all(state.isidentifier() for state in OPEN_STATES), "states are plain words"
OPEN_STATES_SQL = ", ".join(f"'{state}'" for state in OPEN_STATES)


def open_case_count(officer_id: int) -> int:
    """The officer's open cases, counted by a statement of its own: after taking the
    officer's lock it sees what concurrent intakes committed meanwhile. Written by hand, as
    every intake that assigns runs it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {Case._meta.db_table} "
            f"WHERE officer_id = %s AND state IN ({OPEN_STATES_SQL})",
            [officer_id],
        )
        return cursor.fetchone()[0]


#: Priorities that count towards an officer's strain.
HIGH_PRIORITIES_SQL = "'P1', 'P2'"


@dataclass(frozen=True)
class Strain:
    """When an officer counts as strained: available since before ``since``, or holding
    at least ``open_high_priority`` open P1/P2 cases."""

    since: Any  # a datetime
    open_high_priority: int


#: The officer pick reads its row by hand (see ``core.rows``).
_OFFICERS = RowReader(EscalationOfficer)


def least_loaded_officer(
    *,
    category: str,
    min_level: int,
    exclude: list[int],
    skip_locked: bool,
    strain: Strain,
    pool: bool = False,
    today: Any = None,
) -> EscalationOfficer | None:
    """The available officer handling ``category`` with the fewest open cases and room
    left, its row locked (with its user's name read) until the transaction ends; ``None``
    when nobody available has room.

    Officers who are not strained come first; a strained one is picked only when every
    available officer is, so a case never waits for that alone (``officer.strained`` says
    so). ``pool`` picks from the shared pool instead: staff of other departments holding a
    certificate for the category valid on ``today``.

    ``skip_locked`` passes over officers that concurrent intakes are assigning to, so they
    spread over the team instead of queueing on one row. The load read here is of this
    statement's snapshot: the caller counts again now that it holds the lock.

    Every intake runs this, so it is one hand-written statement: building it with the ORM
    cost more than the database spends on it. Officers without room sort last, and the
    open cases are counted once per officer, from the (officer, state) index alone.
    """
    officer_table = EscalationOfficer._meta.db_table
    user_table = get_user_model()._meta.db_table
    certification_table = Certification._meta.db_table
    vendor = connection.vendor
    if vendor == "postgresql":
        has_skill = "o.skills @> jsonb_build_array(%s::text)"
        certified = "ce.categories @> jsonb_build_array(%s::text)"
        # Usually nobody is excluded: no array to send then (psycopg dumps lists in Python).
        not_excluded = "NOT (o.id = ANY(%s))" if exclude else "TRUE"
        exclude_params: list = [list(exclude)] if exclude else []
        lock = " FOR UPDATE OF o SKIP LOCKED" if skip_locked else " FOR UPDATE OF o"
    else:
        has_skill = "EXISTS (SELECT 1 FROM json_each(o.skills) WHERE json_each.value = %s)"
        certified = "EXISTS (SELECT 1 FROM json_each(ce.categories) WHERE json_each.value = %s)"
        not_excluded = f"o.id NOT IN ({', '.join(['%s'] * len(exclude))})" if exclude else "1 = 1"
        exclude_params = list(exclude)
        lock = ""
    if pool:
        handles = (
            f"EXISTS (SELECT 1 FROM {certification_table} ce "
            f"WHERE ce.officer_id = o.id AND ce.expires_on >= %s AND {certified})"
        )
        handles_params: list = [today, category]
    else:
        handles, handles_params = has_skill, [category]
    if vendor == "postgresql":  # an output name is not an expression there: count laterally
        count_open = (
            f"SELECT COUNT(*), COUNT(*) FILTER (WHERE c.priority IN ({HIGH_PRIORITIES_SQL})) "
            f"FROM {Case._meta.db_table} c "
            f"WHERE c.officer_id = o.id AND c.state IN ({OPEN_STATES_SQL})"
        )
        load_columns = "l.load, l.high"
        load_join = f" CROSS JOIN LATERAL ({count_open}) AS l(load, high)"
        load, high = "l.load", "l.high"
    else:
        load_columns = (
            f"(SELECT COUNT(*) FROM {Case._meta.db_table} c WHERE c.officer_id = o.id "
            f"AND c.state IN ({OPEN_STATES_SQL})) AS load, "
            f"(SELECT COUNT(*) FROM {Case._meta.db_table} c WHERE c.officer_id = o.id "
            f"AND c.state IN ({OPEN_STATES_SQL}) AND c.priority IN ({HIGH_PRIORITIES_SQL})) AS high"
        )
        load_join = ""
        load, high = "load", "high"
    strained = f"(o.available_since <= %s OR {high} >= %s)"
    sql = (
        f"SELECT {_OFFICERS.columns('o')}, u.username, u.first_name, u.last_name, "
        f"{load_columns} "
        f"FROM {officer_table} o JOIN {user_table} u ON u.id = o.user_id{load_join} "
        f"WHERE o.active AND u.is_active AND o.availability = 'available' AND o.pool = %s "
        f"AND o.level >= %s AND {handles} AND {not_excluded} "
        f"ORDER BY {load} >= o.max_open_cases, {strained}, {load}, o.level, o.id LIMIT 1{lock}"
    )
    strain_params = [strain.since, strain.open_high_priority]
    params = [
        pool,
        min_level,
        *handles_params,
        *exclude_params,
        *strain_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    officer: Any
    officer, others = _OFFICERS.read(row)
    username, first_name, last_name, officer.load, officer.high = others
    if officer.load >= officer.max_open_cases:
        return None
    officer.strained = (
        officer.available_since <= strain.since or officer.high >= strain.open_high_priority
    )
    officer.user = get_user_model().from_db(
        connection.alias,
        ["id", "username", "first_name", "last_name"],
        [officer.user_id, username, first_name, last_name],
    )
    return officer


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


@dataclass
class ClockAtLimit:
    """A running clock extended as often as its policy lets an officer (``limit`` times)."""

    clock: SlaClock
    limit: int

    @property
    def pk(self) -> int:
        return self.clock.pk


def clocks_at_extension_limit(*, limit: int = 50, candidates: int = 500) -> list[ClockAtLimit]:
    """Running clocks of open cases extended as often as their SLA policy lets an officer:
    only a supervisor may move them again. Soonest due first.

    The policies are kept per process, so the limit is applied here, not in SQL.
    """
    found = []
    clocks = (
        SlaClock.objects.filter(
            case__state__in=OPEN_STATES, stopped_at=None, task=None, extensions__gt=0
        )
        .select_related("case__customer", "case__officer__user")
        .order_by("due_at", "id")[:candidates]
    )
    for clock in clocks:
        policy = policies.case_policy(clock.case)
        allowed = policy.max_extensions if policy else 0
        if clock.extensions >= allowed:
            found.append(ClockAtLimit(clock, allowed))
            if len(found) == limit:
                break
    return found
