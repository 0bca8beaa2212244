"""Request and response examples for the departments' API (task groups, tasks, departments)."""

from drf_spectacular.utils import OpenApiExample

from escalation.api.examples import OFFICER

MEMBER = {"id": 11, "username": "logistics_member", "display_name": "Zhang Min"}
CASE_BRIEF = {
    "id": 42,
    "reference": "ESC-2026-000042",
    "title": "Air conditioner dead in 38°C, install delayed twice",
    "category": "installation",
    "priority": "P2",
    "state": "awaiting_departments",
    "customer_tier": "vip",
    "summary": "Customer has elderly parents at home.\n(intent: install_delay)",
}
TASK = {
    "id": 7,
    "group": 3,
    "case": CASE_BRIEF,
    "department": "logistics",
    "assignee": MEMBER,
    "title": "Confirm the delivery slot",
    "details": "Customer home 9–12 only.",
    "due_at": "2026-07-15T12:00:00+08:00",
    "required": True,
    "state": "accepted",
    "outcome": "",
    "reason": "",
    "blocked_on": None,
    "overdue": False,
    "sla": {
        "clock": "task_due",
        "target_seconds": 10800,
        "due_at": "2026-07-15T12:00:00+08:00",
        "state": "running",
        "remaining_seconds": 7260,
    },
    "created_at": "2026-07-15T09:00:00+08:00",
    "updated_at": "2026-07-15T09:14:00+08:00",
}
GROUP = {
    "id": 3,
    "case": CASE_BRIEF,
    "title": "Install delayed twice",
    "state": "open",
    "created_by": OFFICER,
    "members": [OFFICER, MEMBER],
    "tasks": [TASK],
    "created_at": "2026-07-15T09:00:00+08:00",
    "closed_at": None,
}
GROUP_REQUEST = {
    "case": 42,
    "title": "Install delayed twice",
    "tasks": [
        {
            "department": "logistics",
            "assignee": "logistics_member",
            "title": "Confirm the delivery slot",
            "details": "Customer home 9–12 only.",
            "due_at": "2026-07-15T12:00:00+08:00",
        },
        {
            "department": "after_sales",
            "assignee": "after_sales_member",
            "title": "Book an installer",
            "due_at": "2026-07-15T18:00:00+08:00",
        },
    ],
}
MESSAGE = {
    "id": 19,
    "task": 7,
    "author": MEMBER,
    "body": "Slot confirmed for 10:00, guaranteed.",
    "qa_flags": [{"term": "guaranteed", "category": "promise", "start": 26, "end": 36}],
    "created_at": "2026-07-15T09:20:00+08:00",
}
DEPARTMENT = {"id": 2, "code": "logistics", "name": "Logistics", "active": True}

TASK_RESPONSE = OpenApiExample("Task", value=TASK, response_only=True)
GROUP_RESPONSE = OpenApiExample("Task group", value=GROUP, response_only=True)
GROUP_CREATED = OpenApiExample(
    "Formed",
    value={**GROUP, "tasks": [{**TASK, "state": "open"}]},
    response_only=True,
    status_codes=["201"],
)
GROUP_REQUEST_EXAMPLE = OpenApiExample("Two departments", value=GROUP_REQUEST, request_only=True)
MESSAGE_RESPONSE = OpenApiExample("Message", value=MESSAGE, response_only=True)
MESSAGE_CREATED = OpenApiExample("Posted", value=MESSAGE, response_only=True, status_codes=["201"])
TRANSITIONS_RESPONSE = OpenApiExample(
    "Accepted task", value={"name": "complete", "fields": ["outcome"]}, response_only=True
)
TASK_DONE = OpenApiExample(
    "Completed",
    value={**TASK, "state": "done", "outcome": "Installer booked for 14:00"},
    response_only=True,
)
DEPARTMENT_RESPONSE = OpenApiExample("Department", value=DEPARTMENT, response_only=True)
