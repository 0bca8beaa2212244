"""Request and response examples for the compensation API's OpenAPI schema."""

from drf_spectacular.utils import OpenApiExample

from core.api.examples import OFFICER, SUPERVISOR

REQUEST = {
    "case": 42,
    "kind": "coupon",
    "amount": "50.00",
    "currency": "CNY",
    "reason": "Installation delayed twice in a heat wave.",
}

GRANT = {
    "id": 17,
    "case": 42,
    "case_reference": "ESC-2026-000042",
    "kind": "coupon",
    "amount": "50.00",
    "currency": "CNY",
    "reason": REQUEST["reason"],
    "state": "issued",
    "requested_by": OFFICER,
    "decided_by": OFFICER,
    "decision_reason": "",
    "voucher_code": "COU-7K2M-9QXD",
    "revoke_reason": "",
    "review": "not_required",
    "review_reasons": [],
    "reviewed_by": None,
    "review_note": "",
    "created_at": "2026-07-14T10:20:00+08:00",
    "decided_at": "2026-07-14T10:20:00+08:00",
    "issued_at": "2026-07-14T10:20:01+08:00",
    "revoked_at": None,
}

PENDING = {
    **GRANT,
    "id": 18,
    "amount": "300.00",
    "state": "pending_approval",
    "decided_by": None,
    "voucher_code": "",
    "decided_at": None,
    "issued_at": None,
}

AUTHORITY = {
    "role": "level_2",
    "currency": "CNY",
    "per_grant_limit": "200.00",
    "approval_ceiling": "500.00",
    "grant_at_once_up_to": "200.00",
    "request_up_to": "500.00",
    "caps": [
        {"cap": "officer_day", "limit": "1000.00", "used": "250.00", "remaining": "750.00"},
        {"cap": "officer_month", "limit": "10000.00", "used": "1250.00", "remaining": "8750.00"},
    ],
}

CAP_REFUSAL = {
    "detail": "Refused by the approval ceiling per grant: one grant may be at most 500.00 CNY.",
    "code": "cap_exceeded",
    "cap": "approval_ceiling",
    "limit": "500.00",
    "remaining": "500.00",
    "currency": "CNY",
}

APPROVED = {**GRANT, "id": 18, "amount": "300.00", "decided_by": SUPERVISOR}

GRANT_RESPONSE = OpenApiExample("Issued", value=GRANT, response_only=True)
PENDING_RESPONSE = OpenApiExample("Waiting for a supervisor", value=PENDING, response_only=True)
APPROVED_RESPONSE = OpenApiExample("Approved and issued", value=APPROVED, response_only=True)
AUTHORITY_RESPONSE = OpenApiExample("Level 2 officer", value=AUTHORITY, response_only=True)
TRANSITIONS_RESPONSE = OpenApiExample(
    "Pending grant, as a supervisor",
    value={"name": "decline", "fields": ["reason"]},
    response_only=True,
)
REVIEW_REQUEST = OpenApiExample(
    "Flag", value={"outcome": "flag", "note": "Credit for a coupon-sized delay."}, request_only=True
)
REVIEWED_RESPONSE = OpenApiExample(
    "Flagged",
    value={
        **GRANT,
        "review": "flagged",
        "review_reasons": ["money_like"],
        "reviewed_by": SUPERVISOR,
        "review_note": "Credit for a coupon-sized delay.",
    },
    response_only=True,
)
