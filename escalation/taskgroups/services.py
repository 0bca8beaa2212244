"""Writes for task groups and tasks: open a group, move tasks along, talk in the thread.

Every change writes one CaseEvent on the case (kind ``task_<name>``, task states in its
payload) and reaches the case room, the officer and the department's stream live. When the
last open task of a case finishes, the case returns to ``investigating`` and its officer is
told. Each task posts to its department's webhook when the department has one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ErrorCode, InvalidInput, NotPermitted, RuleViolation, TransitionNotAllowed
from core.transitions import Machine
from escalation import live
from escalation.models import (
    FINISHED_TASK_STATES,
    Case,
    CaseEvent,
    CaseState,
    Department,
    DepartmentMembership,
    Task,
    TaskGroup,
    TaskMessage,
    TaskState,
)
from escalation.notifications import notify
from escalation.services import case_owned_or_supervised, fire, lock_case, record_event
from escalation.sla import clocks
from escalation.taskgroups import webhooks
from quality import checks as quality_checks

#: Task transitions people fire, with the fields each requires.
TASK_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "accept": (),
    "start": (),
    "complete": ("outcome",),
    "reject": ("reason",),
    "block": ("department", "reason"),
    "cancel": ("reason",),
    "reassign": ("assignee",),
}
GROUP_CASE_STATES = (CaseState.INVESTIGATING, CaseState.AWAITING_DEPARTMENTS)


def task_payload(task: Task, **extra: Any) -> dict:
    return {
        "task": task.pk,
        "group": task.group_id,
        "department": task.department.code,
        "assignee": task.assignee.get_username(),
        "title": task.title,
        "state": task.state,
        "due_at": task.due_at.isoformat(),
        **extra,
    }


def _announce(task: Task, *, kind: str, actor, **extra: Any) -> CaseEvent:
    payload = task_payload(task, **extra)
    event = record_event(case=task.case, kind=kind, actor=actor, payload=payload)
    webhooks.queue(department=task.department, event=kind, payload=payload)
    return event


@transaction.atomic
def task_group_open(*, case: Case, actor, title: str, tasks: list[dict[str, Any]]) -> TaskGroup:
    """Form a task group on the case: one task per department, each with a person and deadline.

    ``tasks``: ``[{"department": Department, "assignee": User, "title", "details", "due_at",
    "required"}]``; ``check_task_specs`` holds them to the rules, whoever forms the group.
    """
    check_task_specs(tasks)
    case = lock_case(case.pk)
    if not case_owned_or_supervised(case, actor):
        raise NotPermitted(_("Only the case's officer or a supervisor forms task groups."))
    if case.state not in GROUP_CASE_STATES:
        raise TransitionNotAllowed(
            _("Start investigating the case before forming a task group."),
            allowed=[],
            state=case.state,
        )
    group = TaskGroup.objects.create(case=case, title=title, created_by=actor)
    created = [
        Task.objects.create(
            group=group,
            case=case,
            department=spec["department"],
            assignee=spec["assignee"],
            title=spec["title"],
            details=spec.get("details", ""),
            due_at=spec["due_at"],
            required=spec.get("required", True),
        )
        for spec in tasks
    ]
    members = {actor.pk, *(t.assignee_id for t in created)}
    if case.officer is not None:
        members.add(case.officer.user_id)
    group.members.add(*members)
    payload = {"group": group.pk, "title": title, "tasks": [task_payload(t) for t in created]}
    departments = [live.department_group(t.department.code) for t in created]
    if case.state == CaseState.INVESTIGATING:
        fire(
            case=case, actor=actor, name="open_task_group", payload=payload, check_permission=False
        )
        live.send_on_commit(
            departments,
            {"type": "task_group.opened", "id": group.pk, "case": case.pk, "title": title},
        )
    else:
        record_event(
            case=case,
            kind="task_group_opened",
            actor=actor,
            payload=payload,
            extra_groups=departments,
        )
    for task in created:
        clocks.start_task_clock(task)
        webhooks.queue(
            department=task.department, event="task_assigned", payload=task_payload(task)
        )
    return group


def lock_task(task_id: int) -> Task:
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("department", "assignee", "group")
        .get(pk=task_id)
    )


TASKS: Machine[Task] = Machine(noun=gettext_lazy("task"), transitions=TASK_TRANSITIONS)


def allowed_task_transitions(task: Task, user) -> list[str]:
    return TASKS.allowed(task, user)


@transaction.atomic
def task_transition(*, task: Task, actor, name: str, **fields: Any) -> CaseEvent:
    """Fire one task transition for a person; 409 / 403 / 422 as for cases."""
    TASKS.refuse_unknown(name)
    case = lock_case(task.case_id)
    task = lock_task(task.pk)
    task.case = case
    TASKS.check(task, name=name, actor=actor)
    extra: dict[str, Any] = {}
    arguments: dict[str, Any] = fields
    if name == "block":
        blocker = _blocking_task(task, fields["department"], fields["reason"], actor)
        arguments = {"blocked_on": blocker, "reason": fields["reason"]}
        extra = {
            "blocked_on": blocker.pk,
            "waits_for": blocker.department.code,
            "reason": fields["reason"],
        }
    elif name == "reassign":
        _check_member(fields["assignee"], task.department)
        extra = {"from": task.assignee.get_username()}
    else:
        extra = {key: value for key, value in fields.items() if isinstance(value, str)}

    def audit(from_state: str | None, to_state: str | None) -> CaseEvent:
        # The task's own states go in the payload; the case's state does not change.
        before = from_state or task.state
        event = _announce(task, kind=f"task_{name}", actor=actor, from_state=before, **extra)
        clocks.on_task_transition(task, from_state=before, to_state=task.state)
        return event

    event = TASKS.apply(task, name=name, audit=audit, **arguments)
    if name == "reassign":
        task.group.members.add(task.assignee)
    if task.state == TaskState.DONE:
        _unblock_waiting(task)
    _return_case_when_tasks_finish(case)
    return event


def _check_member(user, department: Department) -> None:
    if not DepartmentMembership.objects.filter(user=user, department=department).exists():
        raise RuleViolation(
            _("%(user)s is not a member of %(department)s.")
            % {"user": user.get_username(), "department": department.code},
            code=ErrorCode.NOT_DEPARTMENT_MEMBER,
        )


def _blocking_task(task: Task, department: Department, reason: str, actor) -> Task:
    """The task the blocked one waits for, created in the named department (its lead owns it)."""
    if department.pk == task.department_id:
        raise RuleViolation(
            _("A task cannot wait for its own department."), code=ErrorCode.SAME_DEPARTMENT
        )
    lead = (
        DepartmentMembership.objects.filter(department=department, is_lead=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if lead is None:
        raise RuleViolation(
            _("%(department)s has no lead to take the task.") % {"department": department.code},
            code=ErrorCode.DEPARTMENT_HAS_NO_LEAD,
        )
    blocker = Task.objects.create(
        group=task.group,
        case=task.case,
        department=department,
        assignee=lead.user,
        title=_("Needed by %(department)s: %(title)s")
        % {"department": task.department.code, "title": task.title},
        details=reason,
        due_at=task.due_at,
        required=task.required,
    )
    task.group.members.add(lead.user)
    clocks.start_task_clock(blocker)
    _announce(blocker, kind="task_assigned", actor=actor, needed_by=task.pk)
    return blocker


def _unblock_waiting(done: Task) -> None:
    for waiting in Task.objects.filter(blocked_on=done, state=TaskState.BLOCKED).select_related(
        "department", "assignee", "group"
    ):
        waiting.case = done.case
        waiting.unblock()
        waiting.save()
        _announce(
            waiting,
            kind="task_unblock",
            actor=None,
            from_state=TaskState.BLOCKED,
            unblocked_by=done.pk,
        )
        clocks.on_task_transition(waiting, from_state=TaskState.BLOCKED, to_state=waiting.state)


def _return_case_when_tasks_finish(case: Case) -> None:
    """Groups whose tasks are all finished close; once no required task is open, the case
    goes back to its officer (optional tasks may still run on)."""
    TaskGroup.objects.filter(case=case, state=TaskGroup.State.OPEN).exclude(
        tasks__in=Task.objects.exclude(state__in=FINISHED_TASK_STATES)
    ).update(state=TaskGroup.State.CLOSED, closed_at=timezone.now())
    if case.state != CaseState.AWAITING_DEPARTMENTS or case.open_required_tasks().exists():
        return
    fire(
        case=case,
        actor=None,
        name="departments_done",
        payload={"reason": "all required tasks finished"},
    )
    if case.officer is not None:
        notify(
            recipient=case.officer.user,
            kind="tasks_finished",
            case=case,
            text=_("%(ref)s: every required task is finished; the case is back with you.")
            % {"ref": case.reference},
        )


def check_thread_access(task: Task, user) -> None:
    """Refuse (403) anyone but the case's officer, supervisors and the task's department."""
    if not task.is_in_thread(user):
        raise NotPermitted(
            _(
                "Only the case's officer, the supervisors and the %(department)s department "
                "read and post in this thread."
            )
            % {"department": task.department.code},
            code=ErrorCode.NOT_IN_THREAD,
        )


@transaction.atomic
def task_message_post(*, task: Task, actor, body: str) -> TaskMessage:
    """A message in the task group's thread; an officer's message counts as a case update."""
    check_thread_access(task, actor)
    case = lock_case(task.case_id)
    message = TaskMessage.objects.create(
        group=task.group,
        task=task,
        author=actor,
        body=body,
        qa_flags=quality_checks.flags_for(body),  # a warning: the message is sent as written
    )
    task.case = case
    _announce(task, kind="task_message", actor=actor, message=message.pk, body=body[:1000])
    clocks.on_officer_update(case, actor)
    return message


def check_task_specs(specs: list[dict[str, Any]]) -> None:
    """One task per department, each deadline ahead, each assignee a member of the task's
    department: a 400 naming the field (``{"tasks": [{…}, {"assignee": […]}]}``) otherwise."""
    codes = [spec["department"].code for spec in specs]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise InvalidInput(
            {
                "tasks": [
                    _("One task per department in a group; repeated: %(codes)s.")
                    % {"codes": ", ".join(repeated)}
                ]
            }
        )
    now = timezone.now()
    latest = clocks.latest_deadline(now)
    members = set(
        DepartmentMembership.objects.filter(
            user__in=[spec["assignee"] for spec in specs],
            department__in=[spec["department"] for spec in specs],
        ).values_list("user_id", "department_id")
    )
    errors: list[dict[str, list[str]]] = []
    for spec in specs:
        problems: dict[str, list[str]] = {}
        if spec["due_at"] <= now:
            problems["due_at"] = [_("The deadline must be in the future.")]
        elif spec["due_at"] > latest:
            problems["due_at"] = [
                _("The deadline must be within a year, by %(latest)s.")
                % {"latest": latest.isoformat(timespec="minutes")}
            ]
        if (spec["assignee"].pk, spec["department"].pk) not in members:
            problems["assignee"] = [
                _("%(user)s is not a member of %(department)s.")
                % {"user": spec["assignee"].get_username(), "department": spec["department"].code}
            ]
        errors.append(problems)
    if any(errors):
        raise InvalidInput({"tasks": errors})
