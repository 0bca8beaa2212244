"""Business refusals raised by services, each with a stable code that fixes its HTTP status.

A code means the same everywhere: ``ErrorCode.SELF_APPROVAL`` is a 403 whether a grant or a
knowledge request was to be approved. The API's one exception handler
(``core.api.errors``) answers ``{"detail", "code", …fields}`` with ``code.status``.
"""

from __future__ import annotations

import enum
from typing import Any

from django.utils.translation import gettext as _


class ErrorCode(enum.StrEnum):
    """Every refusal's code, with the one HTTP status it answers."""

    status: int

    def __new__(cls, value: str, status: int) -> ErrorCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.status = status
        return member

    # 400: invalid only in the light of stored data
    INVALID = "invalid", 400
    # 403: the actor may not do this
    NOT_PERMITTED = "not_permitted", 403
    SELF_APPROVAL = "self_approval", 403
    SELF_REVIEW = "self_review", 403
    NOT_IN_THREAD = "not_in_thread", 403
    # 409: not from this state, or lost a race
    TRANSITION_NOT_ALLOWED = "transition_not_allowed", 409
    CONCURRENT_TRANSITION = "concurrent_transition", 409
    NOT_AWAITING_REVIEW = "not_awaiting_review", 409
    IDEMPOTENCY_KEY_IN_PROGRESS = "idempotency_key_in_progress", 409
    IDEMPOTENCY_RETRY = "retry", 409
    # 422: refused by a business rule, the code naming the rule
    RULE_VIOLATION = "rule_violation", 422
    GUARD_FAILED = "guard_failed", 422
    OPEN_REQUIRED_TASKS = "open_required_tasks", 422
    REOPEN_WINDOW_EXPIRED = "reopen_window_expired", 422
    NO_RUNNING_CLOCK = "no_running_clock", 422
    DEADLINE_NOT_LATER = "deadline_not_later", 422
    DEADLINE_TOO_FAR = "deadline_too_far", 422
    DEADLINE_NOT_AHEAD = "deadline_not_ahead", 422
    EXTENSION_NEEDS_SUPERVISOR = "extension_needs_supervisor", 422
    NOT_DEPARTMENT_MEMBER = "not_department_member", 422
    SAME_DEPARTMENT = "same_department", 422
    DEPARTMENT_HAS_NO_LEAD = "department_has_no_lead", 422
    CASE_CANCELLED = "case_cancelled", 422
    CAP_EXCEEDED = "cap_exceeded", 422
    NO_AUTHORITY_POLICY = "no_authority_policy", 422
    NOT_EDITABLE = "not_editable", 422
    ALREADY_APPROVED = "already_approved", 422
    ARTICLE_RETIRED = "article_retired", 422
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", 422


class CaseHubError(Exception):
    """Base of the refusals a person can act on; ``code`` is stable, ``detail`` is for people."""

    code: ErrorCode = ErrorCode.RULE_VIOLATION

    def __init__(self, detail: Any, *, code: ErrorCode | None = None, **fields: Any) -> None:
        super().__init__(detail)
        self.detail = str(detail)
        if code is not None:
            self.code = ErrorCode(code)  # type: ignore[call-arg]
        self.fields = fields

    @property
    def status(self) -> int:
        return self.code.status

    def as_dict(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": str(self.code), **self.fields}


class TransitionNotAllowed(CaseHubError):
    """409: the transition cannot fire from the current state (or lost a race)."""

    code = ErrorCode.TRANSITION_NOT_ALLOWED

    def __init__(
        self, detail: Any, *, allowed: list[str], code: ErrorCode | None = None, **fields: Any
    ) -> None:
        super().__init__(detail, code=code, allowed=allowed, **fields)


class RuleViolation(CaseHubError):
    """422: refused by a business rule (a guard, a cap); ``code`` names the rule."""

    code = ErrorCode.RULE_VIOLATION


class NotPermitted(CaseHubError):
    """403: the actor may not do this."""

    code = ErrorCode.NOT_PERMITTED


class InvalidInput(CaseHubError):
    """400 with field errors, for input that is only invalid in the light of stored data."""

    code = ErrorCode.INVALID

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        super().__init__(_("Invalid input."))
        self.errors = errors
