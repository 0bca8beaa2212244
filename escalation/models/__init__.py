"""Escalation domain models: cases and their audit trail, and their closure timelines."""

from escalation.models.case import (
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseState,
    Customer,
    Department,
    DepartmentMembership,
    EscalationOfficer,
    IdempotencyRecord,
)
from escalation.models.sla import (
    BusinessCalendar,
    EscalationRule,
    Holiday,
    Notification,
    SlaClock,
    SlaPolicy,
)

__all__ = [
    "OPEN_STATES",
    "BusinessCalendar",
    "Case",
    "CaseEvent",
    "CaseState",
    "Customer",
    "Department",
    "DepartmentMembership",
    "EscalationOfficer",
    "EscalationRule",
    "Holiday",
    "IdempotencyRecord",
    "Notification",
    "SlaClock",
    "SlaPolicy",
]
