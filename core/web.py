"""What the pages share: a form's refusal is the API's refusal, shown beside its field.

Pages call the same services as the API and turn what those raise into the same status and
body through the API's one exception handler (``core.api.errors``): a 409 on a page is the
409 the API gives, a cap refusal names the same cap and remainder, a missing field is the
same message. ``Refusal`` carries that body to the template: ``fields`` beside each input,
``detail`` above the form. ``roles_required`` is who may open a page at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django_fsm import ConcurrentTransition
from rest_framework.exceptions import APIException

from core import roles
from core.api.errors import exception_handler
from core.errors import CaseHubError

#: What a service or an input serializer raises when it refuses.
REFUSALS = (CaseHubError, ConcurrentTransition, APIException, DjangoValidationError)


@dataclass
class Refusal:
    status: int
    detail: str = ""
    code: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, exc: Exception) -> Refusal:
        response = exception_handler(exc, {})
        assert response is not None, exc
        data = response.data
        if not isinstance(data, dict):
            return cls(response.status_code, detail=" ".join(str(item) for item in data))
        if "detail" in data or "code" in data:
            extra = {key: value for key, value in data.items() if key not in ("detail", "code")}
            return cls(
                response.status_code,
                detail=str(data.get("detail", "")),
                code=str(data.get("code", "")),
                extra=extra,
            )
        fields = {key: flatten(value) for key, value in data.items()}
        detail = " ".join(fields.pop("non_field_errors", []))
        return cls(response.status_code, detail=detail, fields=fields)


def flatten(value: Any) -> list[str]:
    """Messages of a DRF error value (a list, a dict of nested fields, or one message)."""
    if isinstance(value, dict):
        return [message for item in value.values() for message in flatten(item)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in flatten(item)]
    return [str(value)]


def attempt(action: Callable[[], Any]) -> tuple[Any, Refusal | None]:
    """Run ``action``; ``(result, None)`` or ``(None, refusal)`` when it was refused."""
    try:
        return action(), None
    except REFUSALS as exc:
        return None, Refusal.of(exc)


def roles_required(*names: str):
    """Signed in (else to the login page) and holding one of ``names`` (else 403)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not roles.has_role(request.user, *names):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
