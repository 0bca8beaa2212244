"""Template helpers of the pages: labels from the models' choices, and the timeline in words.

Labels for states and transitions come from the models (translated once there); templates
never spell them.
"""

from __future__ import annotations

from functools import cache

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalation.models import Case, CaseState, SlaClock, Task, TaskState
from escalation.sla import status as sla_status

register = template.Library()

#: Clock states as a person reads them.
CLOCK_STATES = {
    "running": gettext_lazy("running"),
    "warned": gettext_lazy("warning"),
    "paused": gettext_lazy("paused"),
    "met": gettext_lazy("met"),
    "breached": gettext_lazy("breached"),
}

#: One sentence per audit event kind; ``%(actor)s`` is who acted, the rest the payload's.
EVENT_SENTENCES = {
    "created": gettext_lazy("%(actor)s opened the case."),
    "contact_attached": gettext_lazy("%(actor)s attached a new contact from the customer."),
    "assign": gettext_lazy("%(actor)s assigned the case to %(officer)s."),
    "start": gettext_lazy("%(actor)s started investigating."),
    "wait_for_customer": gettext_lazy("%(actor)s is waiting for the customer."),
    "customer_replied": gettext_lazy("%(actor)s recorded the customer's reply."),
    "resolve": gettext_lazy("%(actor)s resolved the case: %(resolution)s"),
    "close": gettext_lazy("%(actor)s closed the case."),
    "praise": gettext_lazy("%(actor)s recorded the customer's praise: %(note)s"),
    "reopen": gettext_lazy("%(actor)s reopened the case: %(reason)s"),
    "cancel": gettext_lazy("%(actor)s cancelled the case: %(reason)s"),
    "extend_deadline": gettext_lazy("%(actor)s extended a deadline: %(reason)s"),
    "open_task_group": gettext_lazy("%(actor)s formed the task group “%(title)s”."),
    "task_group_opened": gettext_lazy("%(actor)s formed the task group “%(title)s”."),
    "departments_done": gettext_lazy("The departments finished their tasks."),
    "tasks_finished": gettext_lazy(
        "Every required task is finished; the case is back with its officer."
    ),
    "customer_tier_changed": gettext_lazy("The customer's tier changed."),
    "priority_raised": gettext_lazy("The priority was raised."),
    "reassigned": gettext_lazy("The case was reassigned to %(officer)s."),
    "sla_warning": gettext_lazy("A deadline is near (%(clock)s)."),
    "sla_breach": gettext_lazy("A deadline was missed (%(clock)s); escalation level %(level)s."),
    "task_assigned": gettext_lazy("%(department)s was given the task “%(title)s” (%(assignee)s)."),
    "task_accept": gettext_lazy("%(actor)s accepted the %(department)s task."),
    "task_start": gettext_lazy("%(actor)s started the %(department)s task."),
    "task_complete": gettext_lazy("%(actor)s completed the %(department)s task: %(outcome)s"),
    "task_reject": gettext_lazy("%(actor)s rejected the %(department)s task: %(reason)s"),
    "task_block": gettext_lazy("%(actor)s reported the %(department)s task blocked: %(reason)s"),
    "task_unblock": gettext_lazy("The %(department)s task can go on."),
    "task_cancel": gettext_lazy("%(actor)s cancelled the %(department)s task: %(reason)s"),
    "task_reassign": gettext_lazy("%(actor)s gave the %(department)s task to %(assignee)s."),
    "task_message": gettext_lazy("%(actor)s wrote in the thread: %(body)s"),
    "task_reminder": gettext_lazy("The %(department)s task is nearly due."),
    "task_due": gettext_lazy("The %(department)s task is overdue."),
    "knowledge_request_raised": gettext_lazy("%(actor)s asked for a knowledge update: %(title)s"),
    "knowledge_published": gettext_lazy("An answer from this case was published."),
    "compensation_approved": gettext_lazy("%(actor)s granted compensation."),
    "compensation_pending": gettext_lazy("%(actor)s asked for compensation that needs approval."),
    "compensation_issued": gettext_lazy("Compensation was issued."),
    "compensation_declined": gettext_lazy("Compensation was declined."),
    "compensation_revoked": gettext_lazy("Compensation was revoked."),
    "compensation_reviewed": gettext_lazy("A grant was reviewed."),
}


class _Blank(dict):
    def __missing__(self, key):
        return "—"


@register.filter
def event_words(event) -> str:
    """The audit event as a sentence in the active language."""
    actor = event.actor.get_username() if event.actor_id else _("CaseHub")
    sentence = EVENT_SENTENCES.get(event.kind)
    values = _Blank({key: value for key, value in (event.payload or {}).items()})
    values["actor"] = actor
    if "clock" in values:
        values["clock"] = clock_kind_label(values["clock"])
    if sentence is None:
        return _("%(actor)s: %(kind)s") % {"actor": actor, "kind": event.kind}
    return str(sentence) % values


@register.filter
def clock_state_label(state: str) -> str:
    return str(CLOCK_STATES.get(state, state))


@register.filter
def clock_kind_label(kind: str) -> str:
    return str(dict(SlaClock.Kind.choices).get(kind, kind))


@register.filter
def case_state_label(state: str) -> str:
    return str(dict(CaseState.choices).get(state, state))


@register.filter
def task_state_label(state: str) -> str:
    return str(dict(TaskState.choices).get(state, state))


@cache
def _transition_labels(model) -> dict[str, str]:
    labels = {}
    for transition in model._meta.get_field("state").get_all_transitions(model):
        if "label" in transition.custom:
            labels[transition.name] = transition.custom["label"]
    return labels


@register.filter
def case_transition_label(name: str) -> str:
    label = _transition_labels(Case).get(name)
    if name == "extend_deadline":
        return _("Extend a deadline")
    return str(label) if label is not None else name


@register.filter
def task_transition_label(name: str) -> str:
    label = _transition_labels(Task).get(name)
    return str(label) if label is not None else name


@register.filter
def urgent_clock(case):
    """The shown clock a row's countdown follows: the first still counting, else the first."""
    read = case.__dict__.get("case_clocks_read")  # what the list selector read of its clocks
    clocks = sla_status.shown_of_read(read) if read is not None else []
    counting = [clock for clock in clocks if clock.state in ("running", "warned", "breached")]
    counting.sort(key=lambda clock: clock.due_at)
    return counting[0] if counting else (clocks[0] if clocks else None)


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key``: a dict's value by a key held in a variable."""
    if not mapping:
        return None
    return mapping.get(key)
