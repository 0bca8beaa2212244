"""Request and response examples for the case API's OpenAPI schema (one place, kept true)."""

from drf_spectacular.utils import OpenApiExample

from core.api.examples import OFFICER

INTAKE = {
    "title": "Air conditioner dead in 38°C, install delayed twice",
    "description": "Customer has elderly parents at home.",
    "channel": "phone",
    "category": "installation",
    "priority": "P2",
    "customer": {"external_id": "C-10023", "name": "王女士", "tier": "vip"},
    "context": {
        "interactions": [
            {"channel": "chat", "at": "2026-07-14T09:12:00+08:00", "summary": "Asked for ETA"}
        ],
        "bot_transcript": "…",
        "intent": "install_delay",
    },
}

CASE = {
    "id": 42,
    "reference": "ESC-2026-000042",
    "title": INTAKE["title"],
    "description": INTAKE["description"],
    "channel": "phone",
    "category": "installation",
    "priority": "P2",
    "state": "investigating",
    "customer": INTAKE["customer"],
    "officer": OFFICER,
    "escalation_level": 0,
    "context": INTAKE["context"],
    "sla": [
        {
            "clock": "resolution",
            "target_seconds": 28800,
            "due_at": "2026-07-14T17:30:00+08:00",
            "state": "running",
            "remaining_seconds": 20115,
        }
    ],
    "resolution": "",
    "qa_flags": [],
    "created_at": "2026-07-14T09:30:00+08:00",
    "updated_at": "2026-07-14T10:05:12+08:00",
    "resolved_at": None,
    "closed_at": None,
}

NEW_CASE = {**CASE, "state": "new", "officer": None, "updated_at": CASE["created_at"]}

EVENT = {
    "id": 311,
    "kind": "transition",
    "actor": OFFICER,
    "from_state": "assigned",
    "to_state": "investigating",
    "payload": {"transition": "start"},
    "created_at": "2026-07-14T10:05:12+08:00",
}

#: One item of the list (drf-spectacular shows list examples as a list of this item).
TRANSITION = {"name": "resolve", "fields": ["resolution"]}

CASE_RESPONSE = OpenApiExample("Case", value=CASE, response_only=True)
EVENT_RESPONSE = OpenApiExample("Transition event", value=EVENT, response_only=True)
TRANSITIONS_RESPONSE = OpenApiExample("Investigating", value=TRANSITION, response_only=True)
INTAKE_REQUEST = OpenApiExample("Intake", value=INTAKE, request_only=True)
INTAKE_CREATED = OpenApiExample(
    "Opened", value={**NEW_CASE, "deduplicated": False}, response_only=True, status_codes=["201"]
)
INTAKE_ATTACHED = OpenApiExample(
    "Attached", value={**CASE, "deduplicated": True}, response_only=True, status_codes=["200"]
)
TRANSITION_REQUESTS = [
    OpenApiExample(
        "Resolve", value={"transition": "resolve", "resolution": "Installed."}, request_only=True
    ),
    OpenApiExample(
        "Assign", value={"transition": "assign", "officer": "officer2"}, request_only=True
    ),
    OpenApiExample(
        "Extend a deadline",
        value={
            "transition": "extend_deadline",
            "clock": "resolution",
            "until": "2026-07-15T18:00:00+08:00",
            "reason": "Part arrives tomorrow.",
        },
        request_only=True,
    ),
]
TOKEN_REQUEST = OpenApiExample(
    "Credentials", value={"username": "frontline", "password": "…"}, request_only=True
)
TOKEN_RESPONSE = OpenApiExample(
    "Token",
    value={
        "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
        "expires_at": "2026-08-13T09:12:00+08:00",
    },
    response_only=True,
)
PRAISE_REQUEST = OpenApiExample(
    "Praise",
    value={"note": "The customer called back to thank Li for the same-day fix.", "source": "phone"},
    request_only=True,
)
PRAISE_CREATED = OpenApiExample(
    "Praise recorded",
    value={
        "id": 912,
        "kind": "praise",
        "actor": {"id": 7, "username": "frontline", "display_name": "Frontline"},
        "from_state": None,
        "to_state": None,
        "payload": {
            "note": "The customer called back to thank Li for the same-day fix.",
            "source": "phone",
            "officer": "officer1",
        },
        "created_at": "2026-07-14T16:40:00+08:00",
    },
    response_only=True,
)
