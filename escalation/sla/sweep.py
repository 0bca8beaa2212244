"""The SLA sweeper: warn and breach due clocks exactly once, and run the escalation chain.

Each batch claims its clocks with ``SELECT … FOR UPDATE SKIP LOCKED`` and stamps them in the
same transaction that writes the audit events, notifications and escalations, so two
sweepers never take the same clock, and a worker that dies mid-batch rolls back everything
it did: the retried task starts from a clean slate. The claim reads two partial indexes
whose size follows the clocks still to warn or breach, not the number of open cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation import live
from escalation.models import Case, CaseEvent, DepartmentMembership, EscalationRule, SlaClock
from escalation.notifications import notify_many

BATCH_SIZE = 1000

#: What a breach does to its case under an escalation rule (raise the priority, hand the case
#: to a senior officer), given by the case services: ``escalate(case, rule, level)``.
Escalate = Callable[[Case, EscalationRule, int], None]


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0


def sweep(
    *, escalate: Escalate, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> SweepResult:
    """Warn and breach every clock due by ``now``; safe to run anywhere, any number of times.

    ``escalate`` applies a breached case's escalation rule, in the batch's transaction.
    """
    now = now or timezone.now()
    result = SweepResult()
    while (count := _warn_batch(now, batch_size)) > 0:
        result.warned += count
    while (count := _breach_batch(now, batch_size, escalate)) > 0:
        result.breached += count
    return result


def _claim(now: datetime, batch_size: int, *, stamp: str, due: str) -> list[SlaClock]:
    ids = list(
        SlaClock.objects.select_for_update(skip_locked=True)
        .filter(stopped_at=None, paused_at=None, **{f"{stamp}__isnull": True, f"{due}__lte": now})
        .order_by(due)
        .values_list("pk", flat=True)[:batch_size]
    )
    if not ids:
        return []
    SlaClock.objects.filter(pk__in=ids).update(**{stamp: now})
    return list(
        SlaClock.objects.filter(pk__in=ids)
        .select_related(
            "case__officer__user", "case__officer__lead", "task__department", "task__assignee"
        )
        .order_by(due, "pk")
    )


def _events(rows: list[tuple]) -> list[CaseEvent]:
    """Audit rows ``(case, kind, payload)``; task rows also reach the department's stream."""
    events = CaseEvent.objects.bulk_create(
        [CaseEvent(case=row[0], kind=row[1], payload=row[2]) for row in rows]
    )
    live.publish_case_events(events)
    return events


@transaction.atomic
def _warn_batch(now: datetime, batch_size: int) -> int:
    clocks = _claim(now, batch_size, stamp="warned_at", due="warn_at")
    if not clocks:
        return 0
    rows, notes = [], []
    for c in clocks:
        due = f"{timezone.localtime(c.due_at):%Y-%m-%d %H:%M}"
        if c.task_id:
            task = c.task
            payload = {
                "task": task.pk,
                "department": task.department.code,
                "due_at": c.due_at.isoformat(),
            }
            rows.append((c.case, "task_reminder", payload))
            notes.append(
                {
                    "recipient": task.assignee,
                    "kind": "task_reminder",
                    "case": c.case,
                    "text": _("%(ref)s: task “%(title)s” is due at %(due)s")
                    % {"ref": c.case.reference, "title": task.title, "due": due},
                }
            )
            continue
        rows.append((c.case, "sla_warning", {"clock": c.kind, "due_at": c.due_at.isoformat()}))
        if c.case.officer_id:
            notes.append(
                {
                    "recipient": c.case.officer.user,
                    "kind": "sla_warning",
                    "case": c.case,
                    "text": _("%(ref)s: %(clock)s due at %(due)s")
                    % {"ref": c.case.reference, "clock": SlaClock.Kind(c.kind).label, "due": due},
                }
            )
    _events(rows)
    notify_many(notes)
    return len(clocks)


@transaction.atomic
def _breach_batch(now: datetime, batch_size: int, escalate: Escalate) -> int:
    clocks = _claim(now, batch_size, stamp="breached_at", due="due_at")
    if not clocks:
        return 0
    task_clocks = [clock for clock in clocks if clock.task_id]
    if task_clocks:
        _task_overdue(task_clocks)
    by_case: dict[int, list[SlaClock]] = defaultdict(list)
    for clock in clocks:
        if not clock.task_id:
            by_case[clock.case_id].append(clock)
    _raise_levels(by_case)
    rules = {rule.level: rule for rule in EscalationRule.objects.all()}
    rows, mailed, unmailed, escalations = [], [], [], []
    for case_clocks in by_case.values():
        case = case_clocks[0].case
        start_level = case.escalation_level
        for offset, clock in enumerate(case_clocks, start=1):
            level = start_level + offset
            rows.append(
                (
                    case,
                    "sla_breach",
                    {"clock": clock.kind, "level": level, "due_at": clock.due_at.isoformat()},
                )
            )
            rule = rules.get(level)
            notes = mailed if rule is None or rule.send_email else unmailed
            notes.extend(_breach_notes(case, clock, level, rule))
            if rule is not None:
                escalations.append((case, rule, level))
        case.escalation_level = start_level + len(case_clocks)
    _events(rows)
    for case, rule, level in escalations:  # after the breach events, in the same transaction
        escalate(case, rule, level)
    notify_many(mailed, email=True)
    notify_many(unmailed)
    return len(clocks)


def _task_overdue(clocks: list[SlaClock]) -> None:
    """An overdue task goes to its department's leads, and the officer is alerted live."""
    leads: dict[int, list] = defaultdict(list)
    department_ids = {c.task.department_id for c in clocks}
    for membership in DepartmentMembership.objects.filter(
        department_id__in=department_ids, is_lead=True
    ).select_related("user"):
        leads[membership.department_id].append(membership.user)
    rows, notes = [], []
    for clock in clocks:
        task, case = clock.task, clock.case
        text = _("%(ref)s: task “%(title)s” (%(department)s) is overdue") % {
            "ref": case.reference,
            "title": task.title,
            "department": task.department.code,
        }
        rows.append(
            (
                case,
                "task_overdue",
                {
                    "task": task.pk,
                    "department": task.department.code,
                    "due_at": clock.due_at.isoformat(),
                },
            )
        )
        recipients = [*leads[task.department_id]]
        if case.officer_id:
            recipients.append(case.officer.user)
        notes.extend(
            {"recipient": user, "kind": "task_overdue", "text": text, "case": case}
            for user in recipients
        )
    _events(rows)
    notify_many(notes)


def _raise_levels(by_case: dict[int, list[SlaClock]]) -> None:
    """One UPDATE per distinct number of breaches in this batch (almost always one)."""
    by_count: dict[int, list[int]] = defaultdict(list)
    for case_id, case_clocks in by_case.items():
        by_count[len(case_clocks)].append(case_id)
    for count, case_ids in by_count.items():
        Case.objects.filter(pk__in=case_ids).update(
            escalation_level=F("escalation_level") + count, updated_at=timezone.now()
        )


def _breach_notes(case: Case, clock: SlaClock, level: int, rule: EscalationRule | None):
    text = _("%(ref)s: %(clock)s breached (due %(due)s); escalation level %(level)d") % {
        "ref": case.reference,
        "clock": SlaClock.Kind(clock.kind).label,
        "due": f"{timezone.localtime(clock.due_at):%Y-%m-%d %H:%M}",
        "level": level,
    }
    notes = []
    if case.officer_id:
        notes.append(
            {"recipient": case.officer.user, "kind": "sla_breach", "text": text, "case": case}
        )
        lead = case.officer.lead
        if lead is not None and (rule is None or rule.notify_lead):
            notes.append({"recipient": lead, "kind": "sla_breach", "text": text, "case": case})
    return notes
