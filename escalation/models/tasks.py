"""Cross-department task groups: one task per department, a responsible person and a deadline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core import roles


class TaskGroup(models.Model):
    """The temporary group an officer forms around a case; open until its work is done."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    case = models.ForeignKey(
        "escalation.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="task_groups",
    )
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="task_groups", blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("task group")
        verbose_name_plural = _("task groups")

    def __str__(self) -> str:
        return self.title


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")
    BLOCKED = "blocked", _("Blocked")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED_TASK_STATES = (TaskState.DONE, TaskState.CANCELLED)
ACTIVE_TASK_STATES = (TaskState.OPEN, TaskState.ACCEPTED, TaskState.IN_PROGRESS, TaskState.BLOCKED)


def _is_responsible(task: Task, user) -> bool:
    return task.assignee_id == user.pk or task.is_lead(user)


def _is_lead_or_officer(task: Task, user) -> bool:
    return task.is_lead(user) or task.is_case_officer(user)


def _is_case_officer(task: Task, user) -> bool:
    return task.is_case_officer(user)


def _nobody(task: Task, user) -> bool:
    return False


class Task(ConcurrentTransitionMixin, models.Model):
    """A department's part of a case, with one responsible person and a deadline."""

    State = TaskState

    group = models.ForeignKey(
        TaskGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="tasks"
    )
    case = models.ForeignKey(
        "escalation.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="tasks"
    )
    department = models.ForeignKey(
        "escalation.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="assigned_tasks",
    )
    title = models.CharField(_("title"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    due_at = models.DateTimeField(_("due"))
    required = models.BooleanField(
        _("required"), default=True, help_text=_("The case cannot be resolved until it is done.")
    )
    state = FSMField(
        _("state"), default=TaskState.OPEN, choices=TaskState, protected=True, db_index=True
    )
    outcome = models.TextField(_("outcome"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    blocked_on = models.ForeignKey(
        "self",
        verbose_name=_("blocked on"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="blocking",
        help_text=_("The task in another department this one waits for."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["department", "state"], name="task_department_state_idx"),
            models.Index(fields=["assignee", "state"], name="task_assignee_state_idx"),
            models.Index(fields=["case", "state"], name="task_case_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.department.code}: {self.title}"

    # People: the department's leads are cached by the selectors that load tasks.

    def is_lead(self, user) -> bool:
        leads = getattr(self, "_lead_ids", None)
        if leads is None:
            leads = set(
                self.department.memberships.filter(is_lead=True).values_list("user_id", flat=True)
            )
            self._lead_ids = leads
        return user.pk in leads

    def is_case_officer(self, user) -> bool:
        if roles.is_supervisor(user):
            return True
        case = self.case
        return bool(case.officer_id and case.officer.user_id == user.pk)

    def is_in_thread(self, user) -> bool:
        """The group's thread is the case officer's, the supervisors' and this department's."""
        if self.is_case_officer(user):
            return True
        return self.department.memberships.filter(user_id=user.pk).exists()

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_TASK_STATES

    # --- the task lifecycle (PRODUCT.md) ---

    @transition(
        field=state,
        source=TaskState.OPEN,
        target=TaskState.ACCEPTED,
        permission=_is_responsible,
        custom={"label": _("Accept")},
    )
    def accept(self) -> None:
        pass

    @transition(
        field=state,
        source=TaskState.ACCEPTED,
        target=TaskState.IN_PROGRESS,
        permission=_is_responsible,
        custom={"label": _("Start")},
    )
    def start(self) -> None:
        pass

    @transition(
        field=state,
        source=[TaskState.ACCEPTED, TaskState.IN_PROGRESS],
        target=TaskState.DONE,
        permission=_is_responsible,
        custom={"label": _("Complete")},
    )
    def complete(self, *, outcome: str) -> None:
        self.outcome = outcome

    @transition(
        field=state,
        source=[TaskState.OPEN, TaskState.ACCEPTED, TaskState.IN_PROGRESS],
        target=TaskState.REJECTED,
        permission=_is_responsible,
        custom={"label": _("Reject")},
    )
    def reject(self, *, reason: str) -> None:
        self.reason = reason

    @transition(
        field=state,
        source=[TaskState.ACCEPTED, TaskState.IN_PROGRESS],
        target=TaskState.BLOCKED,
        permission=_is_responsible,
        custom={"label": _("Blocked by another department")},
    )
    def block(self, *, blocked_on: Task, reason: str) -> None:
        self.blocked_on = blocked_on
        self.reason = reason

    @transition(
        field=state,
        source=TaskState.BLOCKED,
        target=TaskState.IN_PROGRESS,
        permission=_nobody,
        custom={"internal": True, "admin": False},
    )
    def unblock(self) -> None:
        pass

    @transition(
        field=state,
        source=[
            TaskState.OPEN,
            TaskState.ACCEPTED,
            TaskState.IN_PROGRESS,
            TaskState.BLOCKED,
            TaskState.REJECTED,
        ],
        target=TaskState.CANCELLED,
        permission=_is_case_officer,
        custom={"label": _("Cancel")},
    )
    def cancel(self, *, reason: str) -> None:
        self.reason = reason

    @transition(
        field=state,
        source=[
            TaskState.OPEN,
            TaskState.ACCEPTED,
            TaskState.IN_PROGRESS,
            TaskState.BLOCKED,
            TaskState.REJECTED,
        ],
        target=TaskState.OPEN,
        permission=_is_lead_or_officer,
        custom={"label": _("Reassign")},
    )
    def reassign(self, *, assignee) -> None:
        self.assignee = assignee


class TaskMessage(models.Model):
    """A message in a task group's thread (optionally about one task)."""

    group = models.ForeignKey(
        TaskGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="messages"
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("message"))
    qa_flags = models.JSONField(
        _("quality flags"),
        default=list,
        blank=True,
        help_text=_("Sensitive terms found in the message: term, category, start, end."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("task message")
        verbose_name_plural = _("task messages")

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"
