"""Live events of cases: the ``case.updated`` envelope and who hears of each CaseEvent.

Every message is a JSON envelope ``{"type": ..., "id": ..., "event_id": ..., ...}``.
Events are sent after the transaction commits, so a client never sees a change that
was rolled back; a client that missed some reconnects with the last ``event_id`` it saw
and the consumer replays the audit trail from there.

Event types
-----------
``case.updated``
    A case changed (one per CaseEvent). Fields: ``id`` (case id), ``event_id``,
    ``kind``, ``reference``, ``state``, ``from_state``, ``to_state``, ``priority``,
    ``escalation_level``, ``officer`` (username or null), ``actor`` (username or null),
    ``payload`` and ``at``.
``notification``
    Something for one person (a breach, an approval waiting). Fields: ``id``, ``kind``,
    ``text``, ``case`` (id or null), ``at``.
Groups: ``case-<id>`` (a case's room), ``user-<id>`` (a person's workbench),
``department-<code>`` (a department's stream), ``knowledge`` (the knowledge stream).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.live import (
    FLOOR_GROUP,
    KNOWLEDGE_GROUP,
    SUPERVISORS_GROUP,
    case_group,
    department_group,
    send,
    send_many,
    send_many_on_commit,
    send_on_commit,
    user_group,
)

__all__ = [
    "FLOOR_GROUP",
    "KNOWLEDGE_GROUP",
    "SUPERVISORS_GROUP",
    "CaseUpdated",
    "case_event_groups",
    "case_group",
    "case_updated",
    "department_group",
    "publish_case_events",
    "send",
    "send_many",
    "send_on_commit",
    "user_group",
]


@dataclass(frozen=True)
class CaseUpdated:
    id: int
    event_id: int
    kind: str
    reference: str
    state: str
    from_state: str | None
    to_state: str | None
    priority: str
    escalation_level: int
    officer: str | None
    actor: str | None
    at: str
    payload: dict[str, Any] = field(default_factory=dict)
    type: str = "case.updated"


def case_updated(event) -> CaseUpdated:
    """The envelope for one CaseEvent (its case and officer loaded)."""
    case = event.case
    return CaseUpdated(
        id=case.pk,
        event_id=event.pk,
        kind=event.kind,
        reference=case.reference or "",
        state=case.state,
        from_state=event.from_state,
        to_state=event.to_state,
        priority=case.priority,
        escalation_level=case.escalation_level,
        officer=case.officer.user.get_username() if case.officer_id else None,
        actor=event.actor.get_username() if event.actor_id else None,
        at=event.created_at.isoformat(),
        payload=event.payload,
    )


def case_event_groups(event, extra_groups: list[str] | None = None) -> list[str]:
    """Who hears of a CaseEvent: the case room, the officer, a task's department, and the
    war report's floor (a send skips the groups nobody follows)."""
    case = event.case
    groups = [case_group(case.pk), FLOOR_GROUP]
    if case.officer_id:
        groups.append(user_group(case.officer.user_id))
    if "department" in event.payload:
        groups.append(department_group(event.payload["department"]))
    return [*groups, *(extra_groups or [])]


def publish_case_events(events, *, extra_groups: list[str] | None = None) -> None:
    """Announce CaseEvents (their cases loaded) in a single hop after commit."""
    batch = [(case_event_groups(event, extra_groups), case_updated(event)) for event in events]
    send_many_on_commit(batch)
