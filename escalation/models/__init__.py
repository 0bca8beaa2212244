"""Escalation domain models: cases and their audit trail, and their closure timelines."""

from escalation.models.case import (
    ELECTRONIC_CHANNELS,
    OPEN_STATES,
    Availability,
    Case,
    CaseEvent,
    CaseState,
    ContactChannel,
    Customer,
    Department,
    DepartmentMembership,
    EscalationOfficer,
)
from escalation.models.category import Category
from escalation.models.sla import (
    BusinessCalendar,
    EscalationRule,
    Holiday,
    Notification,
    SlaClock,
    SlaPolicy,
)
from escalation.models.tasks import (
    ACTIVE_TASK_STATES,
    FINISHED_TASK_STATES,
    Task,
    TaskGroup,
    TaskMessage,
    TaskState,
)
from escalation.models.team import AssignmentPolicy, Certification, OfficerEvent
from escalation.models.webhooks import WebhookDelivery

__all__ = [
    "ACTIVE_TASK_STATES",
    "ELECTRONIC_CHANNELS",
    "FINISHED_TASK_STATES",
    "OPEN_STATES",
    "AssignmentPolicy",
    "Availability",
    "BusinessCalendar",
    "Case",
    "CaseEvent",
    "CaseState",
    "Category",
    "Certification",
    "ContactChannel",
    "Customer",
    "Department",
    "DepartmentMembership",
    "EscalationOfficer",
    "EscalationRule",
    "Holiday",
    "Notification",
    "OfficerEvent",
    "SlaClock",
    "SlaPolicy",
    "Task",
    "TaskGroup",
    "TaskMessage",
    "TaskState",
    "WebhookDelivery",
]
