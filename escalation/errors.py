"""Business refusals raised by services; the API maps each family to one status code."""

from __future__ import annotations


class CaseHubError(Exception):
    """Base of the refusals a person can act on; ``code`` is stable, ``detail`` is for people."""

    code = "refused"

    def __init__(self, detail: str, *, code: str | None = None, **fields) -> None:
        super().__init__(detail)
        self.detail = str(detail)
        if code:
            self.code = code
        self.fields = fields

    def as_dict(self) -> dict:
        return {"detail": self.detail, "code": self.code, **self.fields}


class TransitionNotAllowed(CaseHubError):
    """409: the transition cannot fire from the current state (or lost a race)."""

    code = "transition_not_allowed"

    def __init__(self, detail: str, *, allowed: list[str], code: str | None = None, **fields):
        super().__init__(detail, code=code, allowed=allowed, **fields)


class RuleViolation(CaseHubError):
    """422: refused by a business rule (a guard, a cap); ``code`` names the rule."""

    code = "rule_violation"


class NotPermitted(CaseHubError):
    """403: the actor may not do this."""

    code = "not_permitted"


class InvalidInput(CaseHubError):
    """400 with field errors, for input that is only invalid in the light of stored data."""

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Invalid input.")
        self.errors = errors
