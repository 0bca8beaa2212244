"""Compensation refusals; the API's one exception handler maps them (422 for caps)."""

from __future__ import annotations

from decimal import Decimal

from core.errors import ErrorCode, RuleViolation


class CapExceeded(RuleViolation):
    """422: a cap would be exceeded. Body: ``{"detail", "code", "cap", "limit", "remaining"}``."""

    code = ErrorCode.CAP_EXCEEDED

    def __init__(
        self, detail: str, *, cap: str, limit: Decimal, remaining: Decimal, currency: str
    ) -> None:
        super().__init__(
            detail,
            cap=cap,
            limit=f"{limit:.2f}",
            remaining=f"{max(remaining, Decimal('0')):.2f}",
            currency=currency,
        )
        self.cap = cap
