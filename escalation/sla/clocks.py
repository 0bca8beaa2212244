"""Closure timelines: which policy applies, and how clocks start, pause, resume and stop.

A clock measures business time on its calendar. Pausing keeps its remaining business
time; resuming starts counting that remainder from the moment of resumption, so due times
move by exactly the paused business time. Clocks are driven from the case services: the
lifecycle calls :func:`on_transition` after every fired transition.

First response is the officer's first move toward the customer: the ``start`` transition
(taking up the investigation) or resolving or cancelling the case outright. After that, the
next-update clock restarts whenever the officer acts on the case (a transition or a message).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from core import calendars
from escalation.models import BusinessCalendar, Case, CaseState, SlaClock, SlaPolicy, TaskState
from escalation.sla import status
from escalation.sla.policies import case_policy

_specs: dict[int, tuple[datetime, calendars.CalendarSpec]] = {}

FIRST_RESPONSE_MOVES = {"start", "resolve", "cancel"}
STOPS_EVERYTHING = {CaseState.RESOLVED, CaseState.CLOSED, CaseState.CANCELLED}

#: How far ahead a deadline may be set: a task's, or a clock's when it is extended.
LATEST_DEADLINE = timedelta(days=366)


def latest_deadline(now: datetime) -> datetime:
    return now + LATEST_DEADLINE


def calendar_spec(calendar: BusinessCalendar) -> calendars.CalendarSpec:
    """The calendar as arithmetic, cached per process until the calendar changes."""
    cached = _specs.get(calendar.pk)
    if cached and cached[0] == calendar.updated_at:
        return cached[1]
    closed_days = set(calendar.holidays.values_list("date", flat=True))
    if calendar.holiday_country:
        year = timezone.now().year
        closed_days |= calendars.holidays_for_country(
            calendar.holiday_country,
            range(year - 1, year + 4),
            calendar.holiday_subdivision or None,
        )
    spec = calendar.build_spec(holidays=frozenset(closed_days))
    _specs[calendar.pk] = (calendar.updated_at, spec)
    return spec


def new_clock(
    *,
    case: Case,
    kind: str,
    target_seconds: int,
    calendar: BusinessCalendar,
    start: datetime,
    warn_at_percent: int = 75,
    cycle: int = 1,
    save: bool = True,
) -> SlaClock:
    spec = calendar_spec(calendar)
    clock = SlaClock(
        case=case,
        kind=kind,
        cycle=cycle,
        calendar=calendar,
        target_seconds=target_seconds,
        warn_at_percent=warn_at_percent,
        started_at=start,
        due_at=calendars.add_business_seconds(spec, start, target_seconds),
        warn_at=calendars.add_business_seconds(spec, start, target_seconds * warn_at_percent / 100),
    )
    if save:
        clock.save()
    return clock


def _start_from_policy(case, policy, kind, now, cycle=1) -> SlaClock:
    return new_clock(
        case=case,
        kind=kind,
        target_seconds=policy.target_for(kind),
        calendar=policy.calendar,
        start=now,
        warn_at_percent=policy.warn_at_percent,
        cycle=cycle,
    )


def start_case_clocks(case: Case, *, now: datetime | None = None) -> list[SlaClock]:
    """First response and resolution start when a case is opened (if a policy applies)."""
    return SlaClock.objects.bulk_create(case_clocks(case, now=now or timezone.now()))


def case_clocks(case: Case, *, now: datetime) -> list[SlaClock]:
    """A new case's first response and resolution clocks, not yet saved."""
    policy = case_policy(case)
    if policy is None:
        return []
    return [
        new_clock(
            case=case,
            kind=kind,
            target_seconds=policy.target_for(kind),
            calendar=policy.calendar,
            start=now,
            warn_at_percent=policy.warn_at_percent,
            save=False,
        )
        for kind in ("first_response", "resolution")
    ]


def running_clocks(case: Case):
    return SlaClock.objects.filter(case=case, stopped_at=None).select_related("calendar")


def stop(clock: SlaClock, now: datetime) -> None:
    clock.stopped_at = now
    clock.save(update_fields=["stopped_at"])


def pause(clock: SlaClock, now: datetime) -> None:
    if clock.paused_at is None:
        clock.paused_at = now
        clock.save(update_fields=["paused_at"])


def resume(clock: SlaClock, now: datetime) -> None:
    """Count on from ``now`` what was left when the clock paused."""
    if clock.paused_at is None:
        return
    spec = calendar_spec(clock.calendar)
    left = max(calendars.business_seconds_between(spec, clock.paused_at, clock.due_at), 0)
    left_to_warn = calendars.business_seconds_between(spec, clock.paused_at, clock.warn_at)
    clock.due_at = calendars.add_business_seconds(spec, now, left)
    if clock.warned_at is None:
        clock.warn_at = calendars.add_business_seconds(spec, now, max(left_to_warn, 0))
    clock.paused_at = None
    clock.save(update_fields=["due_at", "warn_at", "paused_at"])


def clock_spec(clock: SlaClock) -> calendars.CalendarSpec:
    """The clock's calendar as arithmetic. A list reads each clock's calendar id and stamp
    (``calendar_stamp``) rather than the calendar: the spec cached for them is current."""
    stamp = clock.__dict__.get("calendar_stamp")
    if stamp is not None:
        cached = _specs.get(clock.calendar_id)
        if cached and cached[0] == stamp:
            return cached[1]
    return calendar_spec(clock.calendar)


def remaining_seconds(clock: SlaClock, now: datetime) -> int:
    """Business seconds left until due (negative once past), as of now or of the pause/stop."""
    spec = clock_spec(clock)
    at = clock.stopped_at or clock.paused_at or now
    return round(calendars.business_seconds_between(spec, at, clock.due_at))


def extend(clock: SlaClock, until: datetime) -> None:
    clock.due_at = until
    spec = calendar_spec(clock.calendar)
    total = calendars.business_seconds_between(spec, clock.started_at, until)
    clock.warn_at = calendars.add_business_seconds(
        spec, clock.started_at, max(total, 0) * clock.warn_at_percent / 100
    )
    clock.extensions += 1
    fields = ["due_at", "warn_at", "extensions"]
    if clock.breached_at is None and clock.warned_at and clock.warn_at > timezone.now():
        clock.warned_at = None  # a fresh warning is due before the new deadline
        fields.append("warned_at")
    clock.save(update_fields=fields)


def retarget(case: Case, *, now: datetime | None = None) -> list[SlaClock]:
    """Give the case's counting clocks the targets of the policy it gets now.

    After a change of priority, category or customer tier. The business time already used
    counts against the new target, on the new policy's calendar; a clock that breached or
    whose deadline a person extended keeps its deadline.
    """
    now = now or timezone.now()
    policy = case_policy(case)
    if policy is None:
        return []
    changed = []
    for clock in running_clocks(case).filter(task=None, breached_at=None, extensions=0):
        target = policy.target_for(clock.kind)
        if target == clock.target_seconds and clock.calendar_id == policy.calendar_id:
            continue
        at = clock.paused_at or now
        used = clock.target_seconds - max(remaining_seconds(clock, now), 0)
        spec = calendar_spec(policy.calendar)
        clock.calendar = policy.calendar
        clock.target_seconds = target
        clock.warn_at_percent = policy.warn_at_percent
        clock.due_at = calendars.add_business_seconds(spec, at, max(target - used, 0))
        if clock.warned_at is None:
            to_warn = target * policy.warn_at_percent / 100 - used
            clock.warn_at = calendars.add_business_seconds(spec, at, max(to_warn, 0))
        clock.save(
            update_fields=["calendar", "target_seconds", "warn_at_percent", "due_at", "warn_at"]
        )
        changed.append(clock)
    return changed


def _restart_next_update(case: Case, policy: SlaPolicy | None, now: datetime) -> None:
    for clock in running_clocks(case).filter(kind="next_update"):
        stop(clock, now)
    if policy is not None and case.state not in STOPS_EVERYTHING:
        clock = _start_from_policy(case, policy, "next_update", now)
        if case.state == CaseState.AWAITING_CUSTOMER:
            pause(clock, now)


def on_transition(
    case: Case, *, name: str, actor, from_state: str | None, to_state: str | None
) -> None:
    """Move the case's clocks along with a transition that has just been fired."""
    moves_clocks = (
        name in FIRST_RESPONSE_MOVES
        or name == "reopen"
        or to_state in STOPS_EVERYTHING
        or CaseState.AWAITING_CUSTOMER in (from_state, to_state)
    )
    if not moves_clocks and (actor is None or case.officer_id is None):
        return  # e.g. the system assigning a new case: nothing for the clocks to do
    now = timezone.now()
    clocks = list(running_clocks(case))
    if not clocks and name != "reopen":
        return
    policy = case_policy(case)
    if name in FIRST_RESPONSE_MOVES:
        for clock in clocks:
            if clock.kind == "first_response":
                stop(clock, now)
    if to_state in STOPS_EVERYTHING:
        for clock in clocks:
            if clock.stopped_at is None and clock.kind != "task_due":
                stop(clock, now)
        return
    if to_state == CaseState.AWAITING_CUSTOMER:
        for clock in clocks:
            pause(clock, now)
    elif from_state == CaseState.AWAITING_CUSTOMER:
        for clock in clocks:
            resume(clock, now)
    if name == "reopen" and policy is not None:
        cycle = 1 + max(
            (c.cycle for c in SlaClock.objects.filter(case=case, kind="resolution")), default=0
        )
        _start_from_policy(case, policy, "resolution", now, cycle=cycle)
    if actor is not None and (name in FIRST_RESPONSE_MOVES or officer_acted(case, actor, clocks)):
        _restart_next_update(case, policy, now)


def on_officer_update(case: Case, actor) -> None:
    """An officer's message to the case restarts the next-update clock."""
    clocks = list(running_clocks(case))
    if officer_acted(case, actor, clocks):
        _restart_next_update(case, case_policy(case), timezone.now())


def officer_acted(case: Case, actor, clocks) -> bool:
    """True when the actor is the case's officer and first response is already met."""
    responded = not any(c.kind == "first_response" for c in clocks)
    return responded and case.officer_id is not None and case.officer.user_id == actor.pk


def clock_rows(case: Case, now: datetime) -> list[dict]:
    """The case's clocks as the API shows them (see :mod:`escalation.sla_status`)."""
    return [
        {
            "clock": clock.kind,
            "target_seconds": clock.target_seconds,
            "due_at": clock.due_at,
            "state": clock.state,
            "remaining_seconds": remaining_seconds(clock, now),
        }
        for clock in status.shown_clocks_of(case)
    ]


# --- task deadlines: the same clocks, on the department's calendar ---


def department_calendar(department) -> BusinessCalendar:
    if department.calendar_id:
        return department.calendar
    calendar, _created = BusinessCalendar.objects.get_or_create(
        name="24×7", defaults={"always_open": True, "timezone": "UTC"}
    )
    return calendar


def start_task_clock(task, *, now: datetime | None = None) -> SlaClock:
    """A clock due at the task's deadline, warning at 75 % of the business time to it."""
    now = now or timezone.now()
    calendar = department_calendar(task.department)
    spec = calendar_spec(calendar)
    target = max(calendars.business_seconds_between(spec, now, task.due_at), 0)
    return SlaClock.objects.create(
        case_id=task.case_id,
        task=task,
        kind="task_due",
        calendar=calendar,
        target_seconds=round(target),
        started_at=now,
        due_at=task.due_at,
        warn_at=calendars.add_business_seconds(spec, now, target * 0.75),
    )


def task_clock(task) -> SlaClock | None:
    return SlaClock.objects.filter(task=task, stopped_at=None).select_related("calendar").last()


def on_task_transition(task, *, from_state: str, to_state: str) -> None:
    """Stop the deadline when the task leaves the department's hands; pause while blocked."""
    now = timezone.now()
    clock = task_clock(task)
    if to_state in (TaskState.DONE, TaskState.CANCELLED, TaskState.REJECTED):
        if clock:
            stop(clock, now)
    elif to_state == TaskState.BLOCKED:
        if clock:
            pause(clock, now)
    elif from_state == TaskState.BLOCKED:
        if clock:
            resume(clock, now)
    elif from_state == TaskState.REJECTED and to_state == TaskState.OPEN:
        start_task_clock(task, now=now)


def task_clock_row(clock: SlaClock | None, now: datetime) -> dict | None:
    if clock is None:
        return None
    return {
        "clock": "task_due",
        "target_seconds": clock.target_seconds,
        "due_at": clock.due_at,
        "state": clock.state,
        "remaining_seconds": remaining_seconds(clock, now),
    }
