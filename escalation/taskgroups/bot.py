"""Handing a follow-up back to the chatbot.

The chatbot platform is a department like any other (``CASEHUB_BOT_DEPARTMENT``, ``bot`` in
the demo) with its platform account as a member. A hand-back is a task group of one task
for it: the platform hears of the task on its signed webhook, and accepts and completes it
through the tasks API like any department, which returns the case to its officer.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, RuleViolation
from escalation.models import Case, Department, DepartmentMembership, Task, TaskGroup
from escalation.services import case_owned_or_supervised
from escalation.taskgroups.services import GROUP_CASE_STATES, task_group_open

#: The deadlines an officer may give the bot, in hours.
DUE_IN_HOURS = (1, 2, 4, 8, 24)
MAX_FOLLOW_UP = 2000


def bot_department() -> Department | None:
    return Department.objects.filter(code=settings.CASEHUB_BOT_DEPARTMENT, active=True).first()


def bot_account(department: Department):
    """Who the bot's tasks are given to: the department's lead, else its first member."""
    membership = (
        DepartmentMembership.objects.filter(department=department, user__is_active=True)
        .select_related("user")
        .order_by("-is_lead", "pk")
        .first()
    )
    return membership.user if membership is not None else None


def may_hand_back(case: Case, user) -> bool:
    """The case's officer or a supervisor, while the case may form task groups."""
    return case.state in GROUP_CASE_STATES and case_owned_or_supervised(case, user)


def hand_back(*, case: Case, actor, follow_up: str, due_in_hours: int) -> TaskGroup:
    """Give the bot one follow-up on the case, due in ``due_in_hours``."""
    follow_up = (follow_up or "").strip()
    if not follow_up:
        raise InvalidInput({"follow_up": [_("Say what the bot should follow up.")]})
    if len(follow_up) > MAX_FOLLOW_UP:
        raise InvalidInput(
            {"follow_up": [_("At most %(count)d characters.") % {"count": MAX_FOLLOW_UP}]}
        )
    if due_in_hours not in DUE_IN_HOURS:
        raise InvalidInput({"due_in_hours": [_("Choose one of the offered deadlines.")]})
    department = bot_department()
    account = bot_account(department) if department is not None else None
    if department is None or account is None:
        raise RuleViolation(_("No chatbot platform is set up to take follow-ups."))
    title = follow_up.splitlines()[0][: Task._meta.get_field("title").max_length]
    return task_group_open(
        case=case,
        actor=actor,
        title=_("Hand-back to the chatbot"),
        tasks=[
            {
                "department": department,
                "assignee": account,
                "title": title,
                "details": follow_up,
                "due_at": timezone.now() + timedelta(hours=due_in_hours),
            }
        ],
    )


def bot_tasks(case: Case) -> list[Task]:
    """The case's tasks for the bot, newest first."""
    return list(
        Task.objects.filter(case=case, department__code=settings.CASEHUB_BOT_DEPARTMENT)
        .select_related("department")
        .order_by("-pk")
    )
